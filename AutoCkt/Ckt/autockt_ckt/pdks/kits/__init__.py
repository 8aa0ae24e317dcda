"""One module per PDK; each constructs its `Pdk`, which registers it (`autockt_ckt.pdks.pdk`)."""
