"""
# The circuits the server simulates: one module per circuit

Each module holds a circuit's Hdl21 generator, its testbench(es) and the evaluation that turns
simulation results into its Rpc's output, and ends by constructing its `ServedCircuit`
(`autockt_ckt.served`), which registers it. Its wire types, Rpc and optimization problem
live in the module of the same name in `autockt_shared.circuits`.
"""
