"""Background work that survives a worker's death: stalled tasks marked failed after a
stated timeout, and resumable tasks queued again (``services.tasks_recover``)."""
