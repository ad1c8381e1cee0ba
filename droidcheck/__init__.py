"""droidcheck: find out over ADB why SMS one-time passwords do not arrive on an Android phone."""

__version__ = "0.1.0"
