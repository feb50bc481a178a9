"""Infrastructure shared by the Ticketing services; it knows no business word.

Import from the submodules (``svckit.db``, ``svckit.outbox``, ``svckit.grpc_server`` ...): the
package itself imports nothing, so a process loads only what it uses and nothing happens at
import time.
"""
