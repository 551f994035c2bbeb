"""Baselines that read the whole document in one pass: lead, TextRank, oracle, LSTM, BigBird.

Each is a :class:`recsum.experiments.systems.System`, registered in
:data:`recsum.experiments.systems.SYSTEMS`; all of them extract sentences through
:mod:`recsum.baselines.scoring`, so only the sentence scores differ.
"""
