"""The case store: citizens, properties, cases, every contact on every channel, calls and callbacks.

Entry point::

    from fsapp.store import open_store
    store = open_store("sqlite:///var/fsapp.db", region="NO")
    info = store.lookup_caller("+47 22 33 44 55")     # CallerInfo(citizen, open_cases)
    status = store.case_status("24-00001-3")          # raises InvalidReference on a mistyped number
"""

from __future__ import annotations

from fsapp.store.contacts import CallWrite, LegInfo
from fsapp.store.errors import (DatabaseUrlError, ImportFileError, InvalidCaseData, InvalidReference,
                                InvalidTransition, MigrationError, NotFound, StoreError)
from fsapp.store.importer import ImportReport, RowProblem
from fsapp.store.records import (AttachmentRecord, CallerInfo, CaseDetail, CaseEventRecord, CaseSummary,
                                 CitizenRecord, NoteRecord, to_jsonable)
from fsapp.store.reference import display_reference, make_reference, parse_reference
from fsapp.store.retention import ErasureReport, RetentionPolicy, RetentionReport
from fsapp.store.store import Store, open_store
from fsapp.store.workflow import CaseStatus, FieldDefinition

__all__ = [
    "AttachmentRecord", "CallerInfo", "CaseDetail", "CaseEventRecord", "CaseStatus", "CaseSummary",
    "CitizenRecord", "DatabaseUrlError", "ErasureReport", "FieldDefinition", "ImportFileError", "ImportReport",
    "InvalidCaseData", "InvalidReference", "InvalidTransition", "CallWrite", "LegInfo", "MigrationError", "NoteRecord",
    "NotFound", "RetentionPolicy", "RetentionReport", "RowProblem", "Store", "StoreError", "display_reference",
    "make_reference", "open_store", "parse_reference", "to_jsonable",
]
