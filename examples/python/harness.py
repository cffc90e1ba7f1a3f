#!/usr/bin/python3
"""A test harness for Chamber in Python, from the .proto files alone.

It compiles Chamber's .proto files (protos/chamber/**) with Debian's protoc
and grpc_python_plugin into a temporary folder, then, over plain gRPC:

1. steps the simulated clock until a blade is observed healthy;
2. injects a crash into that blade (it takes effect at the next tick);
3. steps one tick at a time until the monitor observes the blade failed;
4. steps until the inventory repair manager has repaired it and the blade is
   observed healthy again, and checks the repair's record.

It prints each step and exits 0 when every check held, 1 when one did not
(saying which), 2 when it cannot start (no protoc, no Chamber). Nothing in it
knows Chamber's code: only the gRPC contract. Run it against `npm start`'s
Chamber (the default addresses) or any other, as root or not:

    sudo apt-get install -y python3-grpcio python3-protobuf protobuf-compiler protobuf-compiler-grpc
    /usr/bin/python3 examples/python/harness.py --blade standard/z1/rack2/blade/5

It changes the simulation it drives (the clock moves, a blade crashes and is
repaired), as any harness does.
"""

import argparse
import glob
import importlib
import os
import subprocess
import sys
import tempfile

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
PROTOS = os.path.join(REPO, "protos")

# How many ticks each wait may take before the harness says the system did
# not do what it promises. Ticks, not seconds: the clock only moves when the
# harness steps it, so a slow machine changes nothing here.
BOOT_TICKS = 40
DETECT_TICKS = 20
REPAIR_TICKS = 120


class Failed(Exception):
    """A check that did not hold."""


# The areas it talks to, and those whose messages theirs import (the clock's
# journal holds fault and workload requests): their .proto files are all it compiles.
AREAS = ("clock", "inventory", "faults", "repair", "workloads")


def compile_protos(out):
    """Generates the Python modules of the areas' .proto files into `out` (protoc + the gRPC plugin)."""
    plugin = "/usr/bin/grpc_python_plugin"
    sources = sorted(
        s for area in AREAS for s in glob.glob(os.path.join(PROTOS, "chamber", area, "v1", "*.proto"))
    )
    if not sources:
        print(f"harness: no .proto files under {PROTOS}", file=sys.stderr)
        sys.exit(2)
    command = [
        "protoc",
        f"-I{PROTOS}",
        f"--python_out={out}",
        f"--grpc_python_out={out}",
        f"--plugin=protoc-gen-grpc_python={plugin}",
        *[os.path.relpath(s, PROTOS) for s in sources],
    ]
    try:
        compiled = subprocess.run(command, cwd=PROTOS, capture_output=True, text=True)
    except FileNotFoundError:
        print(
            "harness: protoc is missing; install it with: "
            "sudo apt-get install -y protobuf-compiler protobuf-compiler-grpc",
            file=sys.stderr,
        )
        sys.exit(2)
    if compiled.returncode != 0:
        print(f"harness: protoc could not compile the .proto files:\n{compiled.stderr}", file=sys.stderr)
        sys.exit(2)
    sys.path.insert(0, out)


def load(area, name):
    """The generated module chamber.<area>.v1.<name> (e.g. clock_pb2)."""
    return importlib.import_module(f"chamber.{area}.v1.{name}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stepper", default=os.environ.get("CHAMBER_STEPPER", "127.0.0.1:50051"))
    parser.add_argument("--inventory", default=os.environ.get("CHAMBER_INVENTORY", "127.0.0.1:50052"))
    parser.add_argument("--faults", default=os.environ.get("CHAMBER_FAULTS", "127.0.0.1:50053"))
    parser.add_argument("--repair", default=os.environ.get("CHAMBER_REPAIR", "127.0.0.1:50055"))
    parser.add_argument("--blade", default="standard/z1/rack2/blade/5", help="the blade to crash")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds one call may take")
    args = parser.parse_args()

    try:
        import grpc  # noqa: PLC0415 (Debian's python3-grpcio, checked here to say how to get it)
    except ImportError:
        print(
            "harness: the grpc module is missing; install it with: "
            "sudo apt-get install -y python3-grpcio python3-protobuf",
            file=sys.stderr,
        )
        return 2

    with tempfile.TemporaryDirectory(prefix="chamber-harness-") as out:
        compile_protos(out)
        try:
            return run(grpc, args)
        except Failed as failure:
            print(f"FAILED: {failure}", file=sys.stderr)
            return 1
        except grpc.RpcError as error:
            print(f"harness: {error.code().name}: {error.details()}", file=sys.stderr)
            return 2


def run(grpc, args):
    clock_pb2, clock_grpc = load("clock", "clock_pb2"), load("clock", "clock_pb2_grpc")
    inventory_pb2 = load("inventory", "inventory_pb2")
    inventory_grpc = load("inventory", "inventory_pb2_grpc")
    records_pb2 = load("inventory", "records_pb2")
    faults_pb2, faults_grpc = load("faults", "faults_pb2"), load("faults", "faults_pb2_grpc")
    repair_pb2, repair_grpc = load("repair", "repair_pb2"), load("repair", "repair_pb2_grpc")

    clock = clock_grpc.ClockStub(grpc.insecure_channel(args.stepper))
    inventory = inventory_grpc.InventoryStub(grpc.insecure_channel(args.inventory))
    faults = faults_grpc.FaultsStub(grpc.insecure_channel(args.faults))
    repairs = repair_grpc.RepairsStub(grpc.insecure_channel(args.repair))
    timeout = args.timeout
    blade = args.blade

    def step():
        """Steps the clock one tick; answers the tick it settled."""
        return clock.StepClock(clock_pb2.StepClockRequest(ticks=1), timeout=timeout).status.tick

    def observed():
        """The blade's observed state, by its enum name (OBSERVED_STATE_…)."""
        answer = inventory.GetElement(
            inventory_pb2.GetElementRequest(path=blade, view=inventory_pb2.VIEW_OBSERVED),
            timeout=timeout,
        )
        return records_pb2.ObservedState.Name(answer.element.observed.state)

    def step_until(what, holds, ticks):
        """Steps until `holds()` is true, at most `ticks` ticks; answers the tick it held at."""
        for _ in range(ticks):
            if holds():
                return clock.GetStatus(clock_pb2.GetStatusRequest(), timeout=timeout).status.tick
            step()
        if holds():
            return clock.GetStatus(clock_pb2.GetStatusRequest(), timeout=timeout).status.tick
        raise Failed(f"{what}: not within {ticks} ticks")

    status = clock.GetStatus(clock_pb2.GetStatusRequest(), timeout=timeout).status
    print(f"clock at tick {status.tick}, run {status.run}, seed {status.seed}")
    # Only this harness moves the clock: paused or manual, each step is ours.
    clock.SetPolicy(clock_pb2.SetPolicyRequest(policy=clock_pb2.POLICY_MANUAL), timeout=timeout)

    healthy = "OBSERVED_STATE_HEALTHY"
    tick = step_until(f"{blade} observed healthy", lambda: observed() == healthy, BOOT_TICKS)
    print(f"tick {tick}: {blade} observed healthy")

    injected = faults.InjectFault(
        faults_pb2.InjectFaultRequest(
            kind=faults_pb2.FAULT_KIND_CRASH, targets=[blade], requested_by="python harness"
        ),
        timeout=timeout,
    ).fault
    print(f"tick {tick}: injected crash {injected.id} into {blade}")

    failed = step_until(
        f"{blade} observed failed after its crash",
        lambda: observed() == "OBSERVED_STATE_FAILED",
        DETECT_TICKS,
    )
    print(f"tick {failed}: {blade} observed failed ({failed - tick} ticks after the injection)")

    def closed_repair():
        listed = repairs.ListRepairs(repair_pb2.ListRepairsRequest(target=blade), timeout=timeout)
        done = [
            r
            for r in listed.repairs
            if r.opened_tick >= tick and r.status == repair_pb2.REPAIR_STATUS_SUCCEEDED
        ]
        return done[0] if done else None

    repaired = step_until(
        f"{blade} repaired and observed healthy",
        lambda: closed_repair() is not None and observed() == healthy,
        REPAIR_TICKS,
    )
    repair = closed_repair()
    actions = [repair_pb2.StepAction.Name(e.action) for e in repair.history if e.command_id]
    if not actions:
        raise Failed(f"repair {repair.id} of {blade} succeeded without a command")
    print(
        f"tick {repaired}: repair {repair.id} succeeded "
        f"(opened at tick {repair.opened_tick}, closed at {repair.closed_tick}: {repair.reason}); "
        f"{blade} observed healthy"
    )
    print("ok: crash observed, repaired, healthy again")
    return 0


if __name__ == "__main__":
    sys.exit(main())
