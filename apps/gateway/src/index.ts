// @nacre/gateway: the WebSocket server agents dial.
