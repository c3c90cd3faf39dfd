"""What every worker process syndicate forks does first (the import's checkers, the export's renderers)."""

from __future__ import annotations

import os
import signal


def tie_to_parent(parent: int) -> None:
    """End this worker with PARENT, the process that forked it (even one killed by SIGKILL), and
    leave Ctrl-C to PARENT to handle."""
    try:
        import ctypes

        ctypes.CDLL(None).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):
        pass
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
