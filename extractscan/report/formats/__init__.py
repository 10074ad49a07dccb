"""Report formats: one module per format, registered in ``extractscan.report``."""
