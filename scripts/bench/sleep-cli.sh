#!/bin/sh
# P7's scripted CLI: a run that waits and uses (almost) no CPU, like a CLI waiting on the model. Reads the
# prompt until EOF as the real CLI does, writes the init line, sleeps 1 s (a shell, not Node: a Node start alone
# would cost tens of ms of CPU per run), then a one-delta answer and its result line in the real CLI's format.
cat >/dev/null
sid=$(cat /proc/sys/kernel/random/uuid)
echo '{"type":"system","subtype":"init","cwd":"'"$PWD"'","session_id":"'"$sid"'","uuid":"00000000-0000-4000-8000-000000000001","tools":[],"mcp_servers":[],"model":"claude-haiku-4-5-20251001","permissionMode":"default","apiKeySource":"ANTHROPIC_API_KEY","claude_code_version":"bench","output_style":"default"}'
sleep 1
echo '{"type":"stream_event","event":{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"slept"}},"parent_tool_use_id":null,"session_id":"'"$sid"'","uuid":"00000000-0000-4000-8000-000000000002"}'
echo '{"type":"result","subtype":"success","is_error":false,"api_error_status":null,"duration_ms":1000,"num_turns":1,"result":"slept","stop_reason":"end_turn","session_id":"'"$sid"'","total_cost_usd":0,"usage":{"input_tokens":10,"output_tokens":1},"terminal_reason":"completed","uuid":"00000000-0000-4000-8000-000000000003"}'
