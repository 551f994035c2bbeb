"""Baselines that read the whole document in one pass: lead, TextRank, oracle, LSTM, BigBird.

Each is a :class:`recsum.evaluation.systems.System`, registered in
:data:`recsum.evaluation.systems.SYSTEMS`; all of them extract sentences through
:mod:`recsum.baselines.scoring`, so only the sentence scores differ.
"""
