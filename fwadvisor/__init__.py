"""fwadvisor: choose between TensorFlow and PyTorch for a concrete project, with evidence."""

__version__ = "0.1.0"
