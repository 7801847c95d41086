"""Schedulers that answer: a wrong address is one line within 15 s; no workers is reported."""

from __future__ import annotations

import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from distributed import LocalCluster

from phasetrans.errors import StudyError
from phasetrans.runner import plan_tasks, run_study
from tests.runner.helpers import assert_same_dataset, cli_lines, parts_dir

#: The promise: anything that is not a dask scheduler is answered within this many seconds.
ANSWER_WITHIN = 15.0


class _Hello(BaseHTTPRequestHandler):
    def do_GET(self):
        self.send_response(200)
        self.end_headers()
        self.wfile.write(b"hello")

    def log_message(self, *args):
        pass


@pytest.fixture
def http_server():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hello)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"tcp://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def empty_cluster():
    """A real scheduler on the loopback, with worker processes only when scaled."""
    with LocalCluster(
        n_workers=0, processes=True, host="127.0.0.1", dashboard_address="127.0.0.1:0"
    ) as cluster:
        yield cluster


def _answered(study, address: str) -> StudyError:
    start = time.monotonic()
    with pytest.raises(StudyError) as err:
        run_study(study, scheduler=address, progress=False)
    assert time.monotonic() - start <= ANSWER_WITHIN
    assert err.value.field == "scheduler" and err.value.value == address
    return err.value


def test_an_http_server_is_not_a_scheduler(copied, http_server, capsys):
    toml, study = copied
    (parts_dir(study) / f"{plan_tasks(study)[0].key}.nc").unlink()
    assert "is not a dask scheduler" in str(_answered(study, http_server))
    start = time.monotonic()
    code, lines = cli_lines(capsys, "run", str(toml), "--scheduler", http_server)
    assert code == 2 and len(lines) == 1, lines
    assert http_server in lines[0] and time.monotonic() - start <= ANSWER_WITHIN


def test_a_dashboard_port_is_not_a_scheduler(copied, empty_cluster):
    _, study = copied
    (parts_dir(study) / f"{plan_tasks(study)[0].key}.nc").unlink()
    port = empty_cluster.scheduler.http_server.port
    assert "is not a dask scheduler" in str(_answered(study, f"tcp://127.0.0.1:{port}"))


@pytest.mark.parametrize("address", ["foo", "", "tcp://127.0.0.1:http", "127.0.0.1:99999"])
def test_a_malformed_scheduler_is_one_line(copied, capsys, address):
    toml, study = copied
    code, lines = cli_lines(capsys, "run", str(toml), "--scheduler", address)
    assert code == 2 and len(lines) == 1, lines
    assert "--scheduler" in lines[0] and repr(address) in lines[0]
    assert not study.output_path.exists()


def test_no_workers_is_reported_and_the_run_goes_on(reference, copied, empty_cluster, runner_log):
    _, study = copied
    for task in plan_tasks(study)[:2]:
        (parts_dir(study) / f"{task.key}.nc").unlink()
    address = empty_cluster.scheduler_address
    said = threading.Event()
    messages: list[str] = []

    def record(message: str) -> None:
        messages.append(message)
        if "no workers have joined" in message:
            said.set()

    runner_log(record)
    reports = []
    run = threading.Thread(
        target=lambda: reports.append(
            run_study(study, scheduler=address, progress=False, worker_wait=1.0)
        )
    )
    run.start()
    try:
        assert said.wait(60), messages
        line = next(m for m in messages if "no workers have joined" in m)
        assert line == (
            f"no workers have joined in 1 s; start `dask worker {address}` (still waiting)"
        )
        assert run.is_alive()  # still waiting, not failed
        empty_cluster.scale(1)
        run.join(300)
    finally:
        empty_cluster.scale(0)
    assert not run.is_alive() and reports and reports[0].ok
    assert len(reports[0].computed) == 2
    assert_same_dataset(reports[0].output, reference.dataset)
