// @nacre/jobs: the queue catalog shared by producers and consumers.
