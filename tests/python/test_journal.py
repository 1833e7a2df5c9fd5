"""The encrypted journal through the Python bindings: set up, unlock, add, list, search,
lock, typed errors, and a Python implementation of the PlatformKeyProvider foreign trait."""

import pytest

from lantern import (
    EntryQuery,
    Lantern,
    LanternError,
    NewEntry,
    PlatformKeyProvider,
)


def open_journal(tmp_path):
    journal = Lantern.open(str(tmp_path)).journal()
    # Tests only: the production KDF (600,000 PBKDF2 iterations) is deliberately slow.
    journal.set_kdf_iterations_for_tests(2)
    return journal


class FakeKeystore(PlatformKeyProvider):
    """A stand-in for a platform keystore: XOR with a fixed pad (tests only)."""

    PAD = bytes((i * 7 + 1) % 256 for i in range(32))

    def wrap_key(self, key):
        return bytes(b ^ self.PAD[i % 32] for i, b in enumerate(key))

    def unwrap_key(self, wrapped):
        return self.wrap_key(wrapped)


def test_setup_unlock_add_list_search_lock(tmp_path):
    journal = open_journal(tmp_path)
    assert not journal.is_set_up()
    code = journal.setup("a long passphrase")
    assert len(code) == 39
    first = journal.add_entry(NewEntry(text="A calm walk by the river", mood=4, tags=["Outdoors"]))
    journal.add_entry(NewEntry(text="Hard meeting, strong craving"))
    assert first.tags == ["outdoors"]

    page = journal.list_entries(EntryQuery())
    assert len(page.entries) == 2 and page.damaged_ids == []
    assert [e.id for e in journal.list_entries(EntryQuery(tag="outdoors")).entries] == [first.id]
    assert [e.id for e in journal.search("calm river", 20)] == [first.id]

    journal.lock()
    assert not journal.is_unlocked()
    with pytest.raises(LanternError.Locked):
        journal.list_entries(EntryQuery())
    journal.unlock("a long passphrase")
    assert journal.get_entry(first.id).text == "A calm walk by the river"


def test_wrong_passphrase_and_recovery_code_are_typed(tmp_path):
    journal = open_journal(tmp_path)
    journal.setup("the right passphrase")
    journal.lock()
    with pytest.raises(LanternError.WrongPassphrase):
        journal.unlock("wrong")
    with pytest.raises(LanternError.WrongRecoveryCode):
        journal.recover("0000-0000-0000-0000-0000-0000-0000-0000", "new kettle on the stove")
    assert not journal.is_unlocked()


def test_platform_key_unlocks(tmp_path):
    journal = open_journal(tmp_path)
    journal.setup("harbor lights at dusk")
    entry = journal.add_entry(NewEntry(text="kept"))
    journal.enable_platform_key(FakeKeystore())
    journal.lock()
    journal.unlock_with_platform_key(FakeKeystore())
    assert journal.get_entry(entry.id).text == "kept"


def test_weak_passphrases_are_refused_by_the_one_core_rule(tmp_path):
    from lantern import PassphraseProblem, check_new_passphrase, min_passphrase_chars

    assert min_passphrase_chars() == 10
    short = check_new_passphrase("pw")
    assert isinstance(short, PassphraseProblem.TOO_SHORT) and short.min_chars == 10
    assert isinstance(check_new_passphrase("Password2024!"), PassphraseProblem.TOO_COMMON)
    assert check_new_passphrase("harbor lights at dusk") is None
    journal = open_journal(tmp_path)
    for weak in ["pw", "password123", "qwertyuiop"]:
        with pytest.raises(LanternError.InvalidInput):
            journal.setup(weak)
    assert not journal.is_set_up()
