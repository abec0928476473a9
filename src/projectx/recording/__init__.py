"""Recording market data to Parquet (``projectx record``) and reading it back.

Format: :mod:`projectx.recording.schema`. Writer: :class:`Recorder`. Reader:
:func:`read_recording`.
"""

from projectx.recording.reader import Recording, read_recording
from projectx.recording.recorder import Recorder, RecorderStats
from projectx.recording.schema import (
    Manifest,
    RecordingFormatError,
    read_manifest,
)

__all__ = [
    "Manifest",
    "Recorder",
    "RecorderStats",
    "Recording",
    "RecordingFormatError",
    "read_manifest",
    "read_recording",
]
