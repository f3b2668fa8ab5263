from companion.cli import main

if __name__ == "__main__":  # not when a pack's worker process imports this module
    main()
