"""`python -m lockstep_flask`: the production server (gunicorn), configured by the environment."""

from lockstep_contract.runners.gunicorn import run


def main() -> None:
    run("lockstep_flask.app:create_app", implementation="flask")


if __name__ == "__main__":
    main()
