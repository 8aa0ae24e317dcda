"""Tests of the PDKs (`autockt_ckt.pdks`): install, corners, and the engine traps of the open PDKs."""
