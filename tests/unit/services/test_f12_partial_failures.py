"""F12: a partial PutRecordBatch / PutRecords failure re-sends only the failed entry, then dead-letters it."""

from __future__ import annotations

import base64
import json
from typing import Any

from services.log_processor.sender import Entry, FirehoseBatchSender, RetryPolicy
from services.runner.producer import put_events
from tests.unit.services.conftest import QUARANTINE, RecordingFirehose, quarantined, run_log_handler

NO_WAIT = RetryPolicy(max_attempts=3, base_delay_s=0.0, max_delay_s=0.0)


def test_sender_resends_only_failed_entry():
    firehose = RecordingFirehose()
    firehose.failures = [{1: "ServiceUnavailableException"}]
    sleeps: list[float] = []
    sender = FirehoseBatchSender(firehose, "stream", lambda dead: None, NO_WAIT, sleeps.append)

    for number in range(3):
        sender.add(Entry(b"r%d\n" % number, number, "2024-01-01"))
    sender.flush()

    assert firehose.calls == [[b"r0\n", b"r1\n", b"r2\n"], [b"r1\n"]]
    assert sender.sent == 3
    assert len(sleeps) == 1


def test_sender_dead_letters_after_budget():
    firehose = RecordingFirehose()
    firehose.failures = [{1: "ServiceUnavailableException"}] + [{0: "ServiceUnavailableException"}] * 2
    dead = []
    sender = FirehoseBatchSender(firehose, "stream", dead.append, NO_WAIT, lambda seconds: None)

    for number in range(3):
        sender.add(Entry(b"r%d\n" % number, number, "2024-01-01"))
    sender.flush()

    assert len(firehose.calls) == 3
    assert sender.sent == 2
    assert sender.dead_lettered == 1
    assert dead[0].entry.data == b"r1\n"
    assert dead[0].error_code == "ServiceUnavailableException"


def test_sender_does_not_retry_invalid_argument():
    firehose = RecordingFirehose()
    firehose.failures = [{0: "InvalidArgumentException"}]
    dead = []
    sender = FirehoseBatchSender(firehose, "stream", dead.append, NO_WAIT, lambda seconds: None)

    sender.add(Entry(b"r0\n", 1, "2024-01-01"))
    sender.flush()

    assert len(firehose.calls) == 1
    assert [item.error_code for item in dead] == ["InvalidArgumentException"]


def test_sender_respects_batch_limits():
    firehose = RecordingFirehose()
    sender = FirehoseBatchSender(firehose, "stream", lambda dead: None, NO_WAIT)

    for number in range(1201):
        sender.add(Entry(b"x" * 10 + b"\n", number, "2024-01-01"))
    for number in range(5):
        sender.add(Entry(b"y" * 900_000 + b"\n", number, "2024-01-01"))
    sender.flush()

    assert [len(call) for call in firehose.calls] == [500, 500, 205, 1]
    assert all(sum(map(len, call)) <= 4 * 1024 * 1024 for call in firehose.calls)


def test_handler_counts_balance_with_dead_letters(log_handler, s3):
    log_handler.firehose.failures = [{0: "ServiceUnavailableException"}] * 3
    body = b'192.0.2.1 - - [01/Jan/2024:00:00:01 +0000] "GET / HTTP/1.1" 200 5 "-" "UA"\n' * 2

    result = run_log_handler(log_handler, s3, body)
    dead, = quarantined(s3, "firehose_dead_letter/")

    assert (result["lines_read"], result["records_sent"], result["dead_lettered"]) == (2, 1, 1)
    assert dead["reason"] == "firehose_delivery_failed"
    assert dead["offset"] == 1
    assert json.loads(base64.b64decode(dead["raw_b64"]))["line_number"] == 1


class ScriptedKinesis:
    """A fake Kinesis client whose PutRecords fails entry 1 of the first call with a throughput error."""

    def __init__(self, failing_calls: int) -> None:
        self.calls: list[list[bytes]] = []
        self.failing_calls = failing_calls

    def put_records(self, StreamName: str, Records: list[dict[str, Any]]) -> dict[str, Any]:  # noqa: N803
        self.calls.append([record["Data"] for record in Records])
        fail_index = 1 if len(self.calls) == 1 else 0
        results = []
        for index, _ in enumerate(Records):
            if len(self.calls) <= self.failing_calls and index == fail_index:
                results.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "Rate exceeded"})
            else:
                results.append({"SequenceNumber": str(len(self.calls) * 100 + index), "ShardId": "shardId-0"})
        return {"FailedRecordCount": sum("ErrorCode" in result for result in results), "Records": results}


def test_producer_resends_only_failed_entry():
    kinesis = ScriptedKinesis(failing_calls=1)
    sleeps: list[float] = []
    events = [{"event_id": f"e{number}", "customer_id": number} for number in range(3)]

    counts = put_events(kinesis, "stream", events, sleep=sleeps.append)

    assert counts == {"sent": 3, "retried": 1, "dead_lettered": 0}
    assert [len(call) for call in kinesis.calls] == [3, 1]
    assert json.loads(kinesis.calls[1][0])["event_id"] == "e1"
    assert len(sleeps) == 1


def test_producer_dead_letters_after_budget(s3):
    kinesis = ScriptedKinesis(failing_calls=99)
    events = [{"event_id": f"e{number}", "customer_id": number} for number in range(3)]

    counts = put_events(kinesis, "stream", events, s3=s3, quarantine_bucket=QUARANTINE, max_attempts=3,
                        sleep=lambda seconds: None)
    dead, = quarantined(s3, "kinesis_dead_letter/")

    assert counts == {"sent": 2, "retried": 2, "dead_lettered": 1}
    assert dead["reason"] == "put_records_failed"
    assert json.loads(base64.b64decode(dead["raw_b64"]))["event_id"] == "e1"
