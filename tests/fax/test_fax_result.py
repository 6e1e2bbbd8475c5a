"""Reading mod_spandsp's result variables: every value is the far end's, so each is bounded and cleaned."""

from __future__ import annotations

from fsapp.fax.result import STATION_LIMIT, FaxResult


def reader(values: dict[str, str]):
    return values.get


def test_a_good_fax() -> None:
    result = FaxResult.from_variables(reader({
        "fax_success": "1", "fax_result_code": "0", "fax_result_text": "OK", "fax_document_transferred_pages": "3",
        "fax_document_total_pages": "3", "fax_remote_station_id": "+47 22 33 44 55", "fax_transfer_rate": "14400"}))
    assert (result.success, result.code, result.pages, result.total_pages) == (True, 0, 3, 3)
    assert result.remote_station == "+47 22 33 44 55"
    assert result.summary() == "3 pages, OK"


def test_a_partial_fax_says_how_far_it_got() -> None:
    result = FaxResult.from_variables(reader({
        "fax_success": "0", "fax_result_code": "49", "fax_result_text": "The call dropped prematurely",
        "fax_document_transferred_pages": "1", "fax_document_total_pages": "3"}))
    assert not result.success
    assert result.summary() == "1 of 3 pages, failed: The call dropped prematurely (T.30 code 49)"


def test_no_variables_means_the_fax_never_started() -> None:
    result = FaxResult.from_variables(reader({}), "Cannot send non-existant fax file")
    assert (result.success, result.code, result.text) == (False, None, "Cannot send non-existant fax file")


def test_hostile_values_are_bounded_and_cleaned() -> None:
    result = FaxResult.from_variables(reader({
        "fax_success": "1", "fax_result_code": "0; rm -rf /", "fax_result_text": "OK\r\nUnique-ID: x",
        "fax_document_transferred_pages": "99999999999999999999", "fax_document_total_pages": "-3",
        "fax_remote_station_id": "\x00\x1b[31m24-00001-3\n" + "A" * 5000}))
    assert result.code is None and not result.success          # a code that is not a number is no success
    assert "\n" not in result.text and "\r" not in result.text
    assert (result.pages, result.total_pages) == (0, 0)
    assert len(result.remote_station) <= STATION_LIMIT
    assert not any(ord(char) < 32 for char in result.remote_station)
    assert "24-00001-3" in result.remote_station
