package kubeletdiff

// release is the kubelet release whose pkg/probe this module builds.
const release = "1.26.1"
