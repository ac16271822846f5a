"""Fine-tuning retrievers on a language mix (sentence-transformers Trainer), run as the ``train`` job kind.

``config`` (TrainConfig), ``losses`` (name -> loss), ``trainer`` (arguments, dev evaluator, checkpoints),
``callbacks`` (progress and metrics -> the store), ``job`` (the job kind), ``estimate`` (time before launch).
Heavy imports (torch, sentence-transformers) happen inside functions.
"""
