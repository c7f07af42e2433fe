"""Files in, validated rows out: readers, encodings, FIRMS, validation, layer loads, readings, uploads."""
