"""Load with hostile bodies mixed in: 8 clients x 1,000 calls to the Example server (and 2 x 100 to the
AutoCkt server), every 10th body hostile. Zero 5xx, zero transport errors; every hostile body a 4xx in
the JSON error shape; every good call answered exactly."""

from __future__ import annotations

import concurrent.futures
import json
import random
from collections import Counter
from collections.abc import Callable

import httpx

from autockt_shared import TWO_STAGE_OPAMP, auto_ckt_sim_hdl21
from discovery_server import ServerProcess
from discovery_shared import ErrorBody

TWO_MB = 2 * 1024 * 1024
DEEP = "[" * 5000 + "]" * 5000


def hostile_bodies(good: dict[str, object], int_field: str, float_field: str | None) -> list[tuple[str, bytes]]:
    """Bodies no server may accept, each with its kind, built around one `good` input's JSON."""

    def body(**changes: object) -> bytes:
        return json.dumps({**good, **changes}, allow_nan=True).encode()

    first = next(iter(good))
    return [
        ("2 MB string", body(**{int_field: "9" * TWO_MB})),
        ("2 MB string, unknown field", body(padding="x" * TWO_MB)),
        ("5,000-deep nesting", body(**{first: "@"}).replace(b'"@"', DEEP.encode())),
        ("NaN", body(**{(float_field or int_field): float("nan")})),
        ("Infinity", body(**{(float_field or int_field): float("inf")})),
        ("missing field", body(**{}).replace(f'"{int_field}"'.encode(), b'"_gone"', 1)),
        ("extra field", body(extra=1)),
        ("malformed JSON", body()[:-1]),
        ("bool for int", body(**{int_field: True})),
        ("string for int", body(**{int_field: str(good[int_field])})),
        ("not an object", b"[1, 2, 3]"),
        ("empty body", b""),
    ]


def run_clients(
    url: str,
    clients: int,
    calls: int,
    good: Callable[[random.Random], tuple[dict[str, object], object]],
    hostile: list[tuple[str, bytes]],
    check: Callable[[httpx.Response, object], bool],
) -> Counter[str]:
    """`clients` threads, each making `calls` calls on its own connection; every 10th body hostile.
    Returns the tally of outcomes (only the expected ones are named `ok` and `refused`)."""

    def client(seed: int) -> Counter[str]:
        rng, tally = random.Random(seed), Counter[str]()
        with httpx.Client(timeout=60) as http:
            for i in range(calls):
                try:
                    if i % 10 == seed % 10:
                        kind, content = hostile[(i // 10 + seed) % len(hostile)]
                        answer = http.post(url, content=content, headers={"content-type": "application/json"})
                        ErrorBody.model_validate_json(answer.content)  # the JSON error shape, or this raises
                        tally["refused" if 400 <= answer.status_code < 500 else f"hostile {kind}: {answer.status_code}"] += 1
                    else:
                        inp, expected = good(rng)
                        answer = http.post(url, json=inp)
                        tally[
                            "ok"
                            if answer.status_code == 200 and check(answer, expected)
                            else f"good: {answer.status_code} {answer.text[:200]}"
                        ] += 1
                except Exception as err:  # noqa: BLE001 - a transport error (or a body not in the error shape) is a finding
                    tally[f"{type(err).__name__}: {err}"[:200]] += 1
        return tally

    with concurrent.futures.ThreadPoolExecutor(clients) as pool:
        return sum((f.result() for f in [pool.submit(client, seed) for seed in range(clients)]), Counter[str]())


def test_example_server_under_load_with_hostile_bodies(example_server: ServerProcess) -> None:
    hostile = hostile_bodies({"txt": "ab", "num": 3}, "num", None)

    def good(rng: random.Random) -> tuple[dict[str, object], object]:
        txt, num = "".join(rng.choices("abcé€😀", k=rng.randint(0, 8))), rng.randint(0, 20)
        return {"txt": txt, "num": num}, {"txt": txt * num, "num": 1}

    tally = run_clients(f"{example_server.url}/example", 8, 1000, good, hostile, lambda a, e: a.json() == e)
    assert tally == {"ok": 7200, "refused": 800}


def test_autockt_server_under_load_with_hostile_bodies(autockt_server: ServerProcess) -> None:
    rng = random.Random(16)
    points = [TWO_STAGE_OPAMP.make_input(TWO_STAGE_OPAMP.sample_values(rng)) for _ in range(12)]
    import autockt_ckt.handlers  # noqa: F401  (the same simulation in this process: the expected answers)

    expected = [auto_ckt_sim_hdl21(p) for p in points]
    wire = [auto_ckt_sim_hdl21.input_codec.to_jsonable(p) for p in points]
    hostile = hostile_bodies(wire[0], "mp1", "cc")

    def good(rng: random.Random) -> tuple[dict[str, object], object]:
        k = rng.randrange(len(points))
        return wire[k], expected[k]

    def check(answer: httpx.Response, want: object) -> bool:
        return auto_ckt_sim_hdl21.return_codec.decode(answer.content) == want  # bit for bit: both engines are deterministic

    tally = run_clients(f"{autockt_server.url}/{auto_ckt_sim_hdl21.name}", 2, 100, good, hostile, check)
    assert tally == {"ok": 180, "refused": 20}
