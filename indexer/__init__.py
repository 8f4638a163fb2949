"""Index and search interleaved collections."""
