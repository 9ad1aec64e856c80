"""Transactions through pyxs against xensim's xenstored socket (argv[1]), printing one line per outcome.

Each conflict is decided by xenstored at TRANSACTION_END, as C xenstored decides it: a node the transaction read
or wrote that another connection changed since makes the commit fail with EAGAIN.
"""
import errno
import sys

from pyxs import Client, PyXSError
from pyxs._internal import NUL, Op

path = sys.argv[1]

with Client(unix_socket_path=path) as a, Client(unix_socket_path=path) as b:
    a.write(b"/t/x", b"0")
    a.write(b"/t/y", b"0")

    # 1. a reads /t/x in a transaction, b changes /t/x outside it: the commit answers EAGAIN.
    a.transaction()
    print("read-in-tx", a.read(b"/t/x").decode())
    a.write(b"/t/y", b"from-a")
    b.write(b"/t/x", b"from-b")
    try:
        a.ack(Op.TRANSACTION_END, b"T" + NUL)
        print("commit-1 ok")
    except PyXSError as e:
        print("commit-1", errno.errorcode.get(e.args[0], e.args[0]))
    finally:
        a.tx_id = 0
    print("y-after-failed-commit", b.read(b"/t/y").decode())

    # 2. The same through pyxs's own API: commit() turns EAGAIN into False.
    a.transaction()
    a.write(b"/t/x", b"from-a")
    b.write(b"/t/x", b"from-b-again")
    print("commit-2", a.commit())

    # 3. The retry, with no interference, succeeds.
    a.transaction()
    value = a.read(b"/t/x").decode()
    a.write(b"/t/x", (value + "+a").encode())
    print("commit-3", a.commit())
    print("x-final", b.read(b"/t/x").decode())

    # 4. A change to a node the transaction never touched is no conflict.
    a.transaction()
    a.read(b"/t/x")
    b.write(b"/t/unrelated", b"1")
    print("commit-4", a.commit())

    # Plain operations as well.
    print("list", ",".join(sorted(n.decode() for n in b.list(b"/t"))))
    print("exists", b.exists(b"/t/nope"))
