"""The study in one click: train one model per language composition, evaluate, merge, and report.

Modules: ``preset`` (StudyConfig and its stages), ``runner`` (the ``study`` job kind, submit / retry),
``findings`` (plain-language findings from numbers), ``plots`` (plotly builders), ``document`` (Markdown and
HTML from one block list), ``report`` (the report from stored results), ``status`` (stage progress for UI/CLI).
Heavy imports (torch, sentence-transformers) happen inside functions.
"""
