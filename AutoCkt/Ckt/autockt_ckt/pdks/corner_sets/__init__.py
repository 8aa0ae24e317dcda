"""One module per named corner set; each constructs its `CornerSet`, which registers it (every PDK also has `tt`)."""
