"""Digest reports of a workflow run or a search: self-contained HTML, Markdown and JSON.

Build a :class:`~themeflow.report.digest.Digest` (``workflow.runner`` for runs, ``workflow.digests`` for
searches), then render it with :func:`~themeflow.report.write.render` or write all formats with
:func:`~themeflow.report.write.write_reports`.
"""
