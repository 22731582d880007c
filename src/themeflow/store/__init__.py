"""Persistence behind one :class:`~themeflow.store.base.Store` protocol."""
