"""Fonts shipped with Bình Yên, for documents it draws (PDF reports).

DejaVu Sans 2.37 (regular and bold) covers every Vietnamese letter with its
diacritics. Its licence, the Bitstream Vera and Arev terms with the DejaVu
changes in the public domain, is in LICENSE beside the font files.
"""

from __future__ import annotations

import logging
from pathlib import Path

logger = logging.getLogger(__name__)

FOLDER = Path(__file__).parent
SANS = FOLDER / "DejaVuSans.ttf"
SANS_BOLD = FOLDER / "DejaVuSans-Bold.ttf"
