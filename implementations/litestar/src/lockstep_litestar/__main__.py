"""`python -m lockstep_litestar`: the production server (uvicorn), configured by the environment."""

from lockstep_contract.runners.uvicorn import run


def main() -> None:
    run("lockstep_litestar.app:create_app", implementation="litestar")


if __name__ == "__main__":
    main()
