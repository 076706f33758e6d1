"""The repositories of ``jdoffice.adapters.uow.SqlAlchemyUnitOfWork``, one module per area.

Each implements its protocol of ``jdoffice.services.ports`` on the session of an open unit of
work: ``schools`` (schools and payment settings), ``students`` (students, invoices,
balances), ``payments`` (payments, allocations, refunds), ``receipts``, ``online`` (payment
attempts and provider events) and ``audit`` (the audit log and flagged confirmations).
"""
