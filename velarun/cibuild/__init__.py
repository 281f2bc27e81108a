"""A build of the Vela server, reproduced: which build (``--build ORG/REPO#N`` or its URL),
its rule data, its steps, and the verdict of a local run beside it.

- :mod:`.build`: pure: the reference, the server's JSON shapes, the workspace a build wants;
- :mod:`.server`: the server's address and token as the ``vela`` CLI finds them, and the two
  API calls (the build, its steps) over ``urllib.request``;
- :mod:`.verdict`: pure: CI's steps beside the local run's, and the verdict.

Secret values are never fetched from the server.
"""
