"""`python -m example_client TXT NUM`: one round trip to the Example server."""

import argparse

from example_client import repeat, start


def main() -> None:
    parser = argparse.ArgumentParser(description="Call the Example server's `example` Rpc once.")
    parser.add_argument("txt")
    parser.add_argument("num", type=int)
    parser.add_argument("--server-url", help="default: THE_SERVER_URL from .env, else 127.0.0.1:8000")
    args = parser.parse_args()
    import discovery_client as dc

    start(dc.Config(server_url=args.server_url))
    print(repeat(args.txt, args.num))


if __name__ == "__main__":
    main()
