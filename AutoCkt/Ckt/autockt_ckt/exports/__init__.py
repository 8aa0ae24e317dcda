"""One module per exportable circuit (or family sharing a testbench), each registering itself (`export_registry`)."""
