"""Chinese-aware text processing: normalization, segmentation, sentences, numbers."""
