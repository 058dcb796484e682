"""Run every benchmark: python -m bench [--quick]."""

import sys

from bench import emails, registration, usage

if __name__ == "__main__":
    registration.main(sys.argv[1:])
    emails.main([])
    usage.main([])
