"""`shoplake logs upload`: user files are split by UTC hour into the raw zone's key layout."""

from __future__ import annotations

import gzip

from services.runner.upload import server_name, upload_file
from tests.unit.services.conftest import RAW

LINES = (b'192.0.2.1 - - [09/Mar/2024:23:50:00 +0530] "GET / HTTP/1.1" 200 10 "-" "UA"\n'
         b"a line without a time\n"
         b'192.0.2.2 - - [09/Mar/2024:23:50:00 -0930] "GET / HTTP/1.1" 200 10 "-" "UA"\n'
         b'192.0.2.3 - - [09/Mar/2024:23:59:00 -0930] "GET /cut HTTP/1.1" 200 10 "-" "Mozil')


def test_upload_splits_by_utc_hour(s3, tmp_path):
    path = tmp_path / "shop-1.access.log"
    path.write_bytes(LINES)

    result = upload_file(s3, RAW, path)
    first, second = result["keys"]

    assert result["lines"] == 4
    assert first == "access_logs/dt=2024-03-09/hour=18/shop-1.access.log-2024030918.gz"
    assert second == "access_logs/dt=2024-03-10/hour=09/shop-1.access.log-2024031009.gz"
    assert gzip.decompress(s3.get_object(Bucket=RAW, Key=first)["Body"].read()).count(b"\n") == 2
    assert gzip.decompress(s3.get_object(Bucket=RAW, Key=second)["Body"].read()).endswith(b'"Mozil')


def test_upload_reads_gzip_and_names_server(s3, tmp_path):
    path = tmp_path / "edge.access.log.gz"
    path.write_bytes(gzip.compress(LINES))

    result = upload_file(s3, RAW, path, server="web-nginx-02")

    assert server_name(path) == "edge"
    assert all("/web-nginx-02.access.log-" in key for key in result["keys"])
