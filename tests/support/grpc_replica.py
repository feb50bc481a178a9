"""One replica of a stand-in CatalogService, as its own process: ``python -m
tests.support.grpc_replica --name a --port 7051``.

``GetMovie`` answers with the replica's name as the title, after ``movie_id`` milliseconds when
that is a number, so a test can keep calls in flight while it kills a replica. The server is
svckit's (health service, shutdown order), exactly as a real service runs it.
"""

from __future__ import annotations

import argparse
import asyncio

import grpc

from svckit.grpc_server import create_server
from svckit.service import ServiceProcess
from ticketing.catalog.v1 import catalog_pb2, catalog_pb2_grpc

SERVICE = catalog_pb2.DESCRIPTOR.services_by_name["CatalogService"].full_name


class NamedCatalog(catalog_pb2_grpc.CatalogServiceServicer):
    def __init__(self, name: str) -> None:
        self._name = name

    async def GetMovie(
        self, request: catalog_pb2.GetMovieRequest, context: grpc.aio.ServicerContext
    ) -> catalog_pb2.Movie:
        if request.movie_id.isdigit():
            await asyncio.sleep(int(request.movie_id) / 1000)
        return catalog_pb2.Movie(id=request.movie_id, title=self._name)


async def serve(name: str, port: int) -> None:
    server, bound = create_server(
        services=[
            (catalog_pb2_grpc.add_CatalogServiceServicer_to_server, NamedCatalog(name), SERVICE)
        ],
        error_table={},
        host="127.0.0.1",
        port=port,
        service_name=f"replica-{name}",
    )
    await ServiceProcess(f"replica-{name}", server, bound, grace=1.0).serve()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--name", required=True)
    parser.add_argument("--port", type=int, required=True)
    args = parser.parse_args()
    asyncio.run(serve(args.name, args.port))


if __name__ == "__main__":
    main()
