"""themeflow: track investment themes across Chinese financial news and research.

The real API is :class:`themeflow.service.Themeflow`; the CLI, web app and tests are thin skins over it.
"""

from __future__ import annotations

__version__ = "0.1.0"

__all__ = ["__version__"]
