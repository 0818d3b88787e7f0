"""Freed memory is given back once the server's callbacks are done (dashboard/idletrim.py)."""

from __future__ import annotations

import time

from flask import Flask

from dashboard.idletrim import IdleTrimmer, trim_when_idle


def wait_until(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def test_no_trim_while_a_callback_runs_and_one_after_the_burst():
    trims: list[float] = []
    trimmer = IdleTrimmer(idle_seconds=0.1, trim=lambda: trims.append(time.monotonic()))
    trimmer.started()
    trimmer.started()
    trimmer.ended()  # one of the burst still runs
    time.sleep(0.3)
    assert trims == []
    trimmer.ended()
    ended = time.monotonic()
    assert wait_until(lambda: len(trims) == 1)
    assert trims[0] - ended >= 0.09  # it waited for the quiet
    time.sleep(0.3)
    assert len(trims) == 1  # nothing freed since: no second trim


def test_a_callback_request_leads_to_one_trim_and_other_requests_to_none():
    trims: list[float] = []
    server = Flask(__name__)

    @server.route("/_dash-update-component", methods=["POST"])
    def callback():
        return "{}"

    @server.route("/page")
    def page():
        return "page"

    @server.route("/broken/_dash-update-component", methods=["POST"])
    def broken():
        raise RuntimeError("a callback that fails still ends")

    trim_when_idle(server, IdleTrimmer(idle_seconds=0.05, trim=lambda: trims.append(1)))
    client = server.test_client()
    assert client.get("/page").status_code == 200
    time.sleep(0.2)
    assert trims == []
    assert client.post("/_dash-update-component").status_code == 200
    assert wait_until(lambda: trims == [1])
    assert client.post("/broken/_dash-update-component").status_code == 500
    assert wait_until(lambda: trims == [1, 1])
