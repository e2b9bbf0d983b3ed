"""Request ids made in batches (requestid.py): each a UUID4 in 32 hex digits, never repeated,
and a forked worker's never its parent's."""

import os
import uuid

from lockstep_contract import requestid


def test_made_ids_are_uuid4_and_distinct() -> None:
    ids = [requestid.new_id() for _ in range(5000)]
    assert len(set(ids)) == len(ids)
    for made in ids:
        parsed = uuid.UUID(hex=made)
        assert made == parsed.hex
        assert parsed.version == 4
        assert parsed.variant == uuid.RFC_4122


def test_an_inbound_id_is_kept_only_when_well_formed() -> None:
    assert requestid.resolve("abc-1.2_Z") == "abc-1.2_Z"
    for bad in ("", "a b", "x" * 129, "é"):
        assert len(requestid.resolve(bad)) == 32


def test_a_forked_worker_makes_its_own_ids() -> None:
    requestid.new_id()  # the parent holds a batch
    read_end, write_end = os.pipe()
    child = os.fork()
    if child == 0:
        os.write(write_end, " ".join(requestid.new_id() for _ in range(10)).encode())
        os._exit(0)
    os.close(write_end)
    os.waitpid(child, 0)
    childs = set(os.read(read_end, 1 << 16).decode().split())
    os.close(read_end)
    parents = {requestid.new_id() for _ in range(10)}
    assert len(childs) == 10
    assert not childs & parents
