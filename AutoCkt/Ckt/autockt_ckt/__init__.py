"""
# AutoCkt Ckt: the circuit server side of `autockt_shared`

Hdl21 generators of the AutoCkt circuits, simulated in ngspice through vlsirtools, behind the
Rpcs of `autockt_shared`. `import autockt_ckt.handlers` attaches the handlers (in-process use,
or before `discovery_server.start_server()`, with `handlers.use_pool(SimulatorPool(settings).start())`).

| module | holds |
| --- | --- |
| `settings` | operator settings from the environment: model card, run directory, timeout, engine, workers |
| `pdk` | `nmos` / `pmos` as Hdl21 external modules; the shipped 45 nm BSIM4 card is `models/` |
| `engine` | the `Engine` boundary, `Bench` (op, ac, dc and tran analyses by name), `SimResult`, the ngspice subprocess engine, typed errors (`SimulatorLost` too) |
| `libngspice` | the ctypes binding to ngspice's shared library |
| `libngspice_engine` | the in-process engine: a netlist loaded once per bench, parameters altered per run |
| `engine_selection` | which engine a process runs, from its settings, and why |
| `opamp_testbench` | the op-amp testbench shared by both circuits |
| `metrics` | gain, ugbw, phase margin, supply current from a `SimResult` |
| `waveforms` | measurements on transients: crossings, window averages, extrema, settling time |
| `served` | `ServedCircuit`: a circuit's optimization problem, benches and evaluation (and waveforms); the registry |
| `traces` | simulation results as `design_waveforms`' bounded traces: Bode plots, uniformly resampled transients |
| `opamp_waveforms` | the op-amp testbench's waveforms: the output's Bode plot beside the same run's metrics |
| `design_waveforms` | `design_waveforms`' answer: the circuit's input checks (422 naming `design.<param>`), its own waveform jobs |
| `design_export`, `design_netlist_handler` | a sized design as SPICE (Rpc `design_netlist`): the served circuit's subcircuit, parameter values inlined, and per corner its testbench printing the metrics |
| `export_registry`, `exports`, `control_measurements` | which circuits export, one module per circuit family: their benches per corner and the `.control` block computing their metrics as the server does |
| `circuits` | one module per circuit: its Hdl21 generator, testbench and evaluation, registered |
| `simulator` | one process's `Simulator` (engine, every circuit's warm benches, run directory) |
| `worker` | a pool worker process: warm start, one job at a time, retirement |
| `pool` | `SimulatorPool`: crash-isolated warm workers, time limits, replacement, metrics |
| `serving_pool` | the pool a server installed (`use_pool`), which every handler runs its jobs in |
| `handlers` | the async `@rpc.impl` handlers: through the installed pool, else in-process |
| `sandbox`, `sandbox_expression` | `simulate_on_the_server`: what a client's VLSIR `SimInput` may hold, counted before rendering; the one grammar of an expression |
| `sandbox_netlist`, `sandboxed_run` | the rendered netlist and its line-by-line fence; one sandboxed `ngspice -b` run of it, errors scrubbed |
| `sandbox_share`, `vlsir_handlers` | the bounded share of the server generic simulations get (per user too); the handlers |
"""
