"""Library noise off in the product's own output: progress bars, notices and advisories of libraries.

A question asked in the terminal, the chat or a notebook should print the answer, not
"Loading weights: 100%|####|" from transformers or a library's banner. Each front end calls
``quiet_libraries()`` at its edge, before the libraries are imported where it can; the switches are
environment defaults, so a person who sets one of them explicitly keeps their choice.
"""

from __future__ import annotations

import os
import sys
from collections.abc import MutableMapping

#: Environment switches of the libraries the product uses, and the quiet value of each.
QUIET_ENVIRONMENT: dict[str, str] = {
    "HF_HUB_DISABLE_PROGRESS_BARS": "1",  # huggingface_hub, and transformers' "Loading weights" bars
    "TRANSFORMERS_VERBOSITY": "error",
    "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
    "TOKENIZERS_PARALLELISM": "false",  # silences the tokenizers fork warning
    "UNSTRUCTURED_DISABLE_NOTICE": "1",
    "DO_NOT_TRACK": "true",
    "SCARF_NO_ANALYTICS": "true",
}


def quiet_libraries(environ: MutableMapping[str, str] | None = None) -> None:
    """Set the quiet defaults in ``environ`` (this process's environment when None)."""
    target = os.environ if environ is None else environ
    for key, value in QUIET_ENVIRONMENT.items():
        target.setdefault(key, value)
    if environ is not None:
        return  # an environment for another process: nothing here is loaded yet
    # Libraries already imported read their switches at import time: tell them directly.
    if "huggingface_hub" in sys.modules:
        from huggingface_hub.utils import disable_progress_bars

        disable_progress_bars()
    if "transformers" in sys.modules:
        from transformers.utils import logging as transformers_logging

        transformers_logging.set_verbosity_error()
        transformers_logging.disable_progress_bar()
