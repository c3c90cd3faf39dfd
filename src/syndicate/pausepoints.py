"""Named points at which an export or an import can be made to stop and wait to be killed.

What a killed export or import leaves behind is only worth checking at known moments:
after the store was read, with every file staged, between two renames, between two
batches. Two environment variables, read once when this module is imported, make a
process stop at one of them:

    SYNDICATE_PAUSE_AT=POINT[:N]  stop the N-th time (default: the first) POINT is reached
    SYNDICATE_PAUSE_FD=FD         an inherited, writable file descriptor; on stopping, the
                                  process writes "POINT N <pid>\\n" to it

Having stopped, the process waits for a signal and never goes on; whoever set the
variables kills it. If it exits without reaching the point, the descriptor is closed
with it, so a reader of the other end of a pipe sees end of file rather than waiting.

The points:

    export-read       an export has read and checked the store, before rendering
    export-staged     an export has staged every changed file, before the first rename
    export-renamed    an export has renamed one more file into place (N: after the N-th)
    import-batch      an import has committed one more batch (N: after the N-th)
    import-committing an import into a database store has written a batch, before its COMMIT
    import-staged     an import into a directory store has staged a batch's files, before
                      its journal is written
    import-journaled  ... has written the journal, before the first rename
    import-renamed    ... has renamed one more staged file over its final (N: after the N-th)

Without SYNDICATE_PAUSE_AT, pause_point returns at once.
"""

from __future__ import annotations

import os
import signal

_AT = os.environ.get("SYNDICATE_PAUSE_AT") or None
_point, _, _nth = (_AT or "").partition(":")
_NTH = int(_nth) if _nth else 1
_reached = 0


def pause_point(name: str) -> None:
    """Stop here for good if SYNDICATE_PAUSE_AT names this point and this is its N-th time."""
    global _reached
    if _AT is None or name != _point:
        return
    _reached += 1
    if _reached != _NTH:
        return
    if descriptor := os.environ.get("SYNDICATE_PAUSE_FD"):
        os.write(int(descriptor), f"{name} {_NTH} {os.getpid()}\n".encode("ascii"))
    while True:
        signal.pause()
