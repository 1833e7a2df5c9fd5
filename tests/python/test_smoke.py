"""The generated Python bindings load the real core and map its errors to typed exceptions."""
import pytest

from lantern import Lantern, LanternError


def test_opens_on_a_temporary_directory(tmp_path):
    core = Lantern.open(str(tmp_path))
    assert core.data_dir() == str(tmp_path)


def test_unwritable_data_directory_is_a_typed_storage_error(tmp_path):
    f = tmp_path / "file.txt"
    f.write_text("x")
    with pytest.raises(LanternError.Storage):
        Lantern.open(str(f / "sub"))
