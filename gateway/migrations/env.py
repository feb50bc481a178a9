from svckit.migrations import run_env

run_env()
