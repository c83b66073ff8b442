"""Training stage: multi-task models (SingleImage, Text, Everything/AllToX), the paper's losses
and metrics, calibration, filling in missing attributes with provenance, and generation 2.

Entry points live in :mod:`emma_fs.training.pipeline` (``train_model``, ``evaluate_models``)
and :mod:`emma_fs.training.fill` (``fill``). Nothing heavy is imported here.
"""
