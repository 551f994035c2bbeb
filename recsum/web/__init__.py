"""``recsum serve``: a local web page to summarize a document and see where each sentence came from.

``app.py`` holds the FastAPI app and the worker that owns the model, ``progress.py`` follows the
reducer's level bars, ``static/`` is the page itself (plain HTML, CSS and JavaScript, nothing
fetched from elsewhere).
"""
