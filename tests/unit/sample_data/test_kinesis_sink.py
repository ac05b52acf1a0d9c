"""PutRecords batching and re-sending of failed entries, against a fake client."""

import pytest

from sample_data.errors import KinesisPublishError
from sample_data.sinks import kinesis


class FakeKinesis:
    """Fails the listed positions of the first call with ProvisionedThroughputExceededException."""

    def __init__(self, fail_first_call=(), always_fail=False):
        self.calls = []
        self.fail_first_call = set(fail_first_call)
        self.always_fail = always_fail
        self.sequence = 0

    def put_records(self, StreamName, Records):
        self.calls.append([record["Data"] for record in Records])
        outcomes = []
        for position, _ in enumerate(Records):
            failing = self.always_fail or (len(self.calls) == 1 and position in self.fail_first_call)
            if failing:
                outcomes.append({"ErrorCode": "ProvisionedThroughputExceededException", "ErrorMessage": "slow down"})
            else:
                self.sequence += 1
                outcomes.append({"ShardId": "shardId-000000000000", "SequenceNumber": str(self.sequence)})
        return {"FailedRecordCount": sum("ErrorCode" in o for o in outcomes), "Records": outcomes}


def _entries(count):
    return [{"Data": f"{index}".encode(), "PartitionKey": "k"} for index in range(count)]


def test_batches_of_500():
    client = FakeKinesis()
    results = kinesis.put_all(client, "s", _entries(1_201), sleep=lambda _: None)
    assert [len(call) for call in client.calls] == [500, 500, 201]
    assert len(results) == 1_201


def test_only_failed_entries_resent():
    client = FakeKinesis(fail_first_call={1})
    delays = []
    results = kinesis.put_all(client, "s", _entries(3), sleep=delays.append)
    assert client.calls[1] == [b"1"]
    assert len(results) == 3
    assert delays == [kinesis.BASE_DELAY_S]


def test_results_keep_entry_order_after_retry():
    client = FakeKinesis(fail_first_call={0})
    results = kinesis.put_all(client, "s", _entries(2), sleep=lambda _: None)
    assert [r["SequenceNumber"] for r in results] == ["2", "1"]


def test_gives_up_after_max_attempts():
    client = FakeKinesis(always_fail=True)
    with pytest.raises(KinesisPublishError) as error:
        kinesis.put_all(client, "events", _entries(2), sleep=lambda _: None)
    assert len(client.calls) == kinesis.MAX_ATTEMPTS
    assert "events" in str(error.value)
