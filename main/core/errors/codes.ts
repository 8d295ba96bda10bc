/**
 * Every error the station can report, by stable code. The code is the contract (scripts,
 * the UI, support tickets match on it); the texts are for people. `{name}` placeholders are
 * filled from the params the error is given; other braces stay as written. `hint` says what
 * to do, because an operator who only learns that something failed cannot fix it; it is in
 * the operator's words, so a command, an environment variable or firmware detail goes in
 * `engineer`, which the UI shows only behind 详情 (Details) and the CLI always prints.
 */
export interface CodeText {
  zh: string;
  en: string;
  hint_zh: string;
  hint_en: string;
  engineer?: { zh: string; en: string };
}

const t = (zh: string, en: string, hint_zh: string, hint_en: string, engineer?: { zh: string; en: string }): CodeText => ({
  zh,
  en,
  hint_zh,
  hint_en,
  ...(engineer ? { engineer } : {}),
});

export const CODES = {
  // ── the platform's answers ────────────────────────────────────────────────
  WX_SYSTEM_BUSY: t('微信平台繁忙', 'The WeChat platform is busy', '稍后自动重试；持续出现请稍后再试', 'Retried automatically; if it persists, try again later'),
  WX_BAD_CREDENTIAL: t('AppSecret 或接口调用凭据无效', 'The AppSecret or access token is invalid', '检查移动应用（hostAppId）的 AppID 与 AppSecret 是否匹配', 'Check that the AppSecret belongs to the mobile-app AppID (hostAppId)'),
  WX_BAD_APPID: t('AppID 无效', 'The AppID is invalid', '填写移动应用（hostAppId）的 AppID，不是小程序的 AppID', "Use the mobile app's AppID (hostAppId), not a mini program's"),
  WX_BAD_TOKEN: t('接口调用凭据无效', 'The access token is invalid', '已自动刷新一次仍失败：可能有其他程序在用同一个 AppID 另取凭据，请告诉工程师', 'Refreshed once and still rejected: another program may be taking tokens for the same AppID; tell an engineer', { zh: '检查是否有其他程序为该 AppID 调用 /cgi-bin/token（会让本工位的凭据失效）', en: "Check whether another tool is calling /cgi-bin/token for this AppID (it invalidates this station's token)" }),
  WX_BAD_APPSECRET: t('AppSecret 错误', 'The AppSecret is wrong', '在微信开放平台重新获取 AppSecret 并更新配置', 'Get the AppSecret again from the WeChat Open Platform and update the settings'),
  WX_IP_NOT_WHITELISTED: t('本机 IP 不在 AppID 的白名单中', "This station's IP address is not on the AppID's whitelist", '在开放平台为该 AppID 添加本机出口 IP（{ip}）', "Add this station's public IP ({ip}) to the AppID's IP whitelist on the Open Platform"),
  WX_APPSECRET_FROZEN: t('AppSecret 已被冻结', 'The AppSecret is frozen', '在开放平台解冻或重置 AppSecret', 'Unfreeze or reset the AppSecret on the Open Platform'),
  WX_TOKEN_MISSING: t('缺少接口调用凭据', 'The access token is missing', '这是本程序的缺陷，请联系工程师', 'This is a defect in the station; contact an engineer'),
  WX_TOKEN_EXPIRED: t('接口调用凭据已过期', 'The access token has expired', '已自动刷新一次仍失败，请检查本机时间', 'Refreshed once and still expired: check the station clock'),
  WX_QUOTA_EXCEEDED: t('今日接口调用次数已达上限', "Today's API call quota is used up", '已停止调用，队列保留；配额重置后（次日）自动继续，或在开放平台申请提高额度', 'Calls stopped and the queue is kept; it resumes when the quota resets (next day), or ask for a higher quota on the Open Platform'),
  WX_API_UNAUTHORIZED: t('该 AppID 没有此接口的权限', 'This AppID is not authorised for this API', '在开放平台为该移动应用开通“小程序硬件框架”能力', 'Enable the Mini-Program hardware framework (WMPF) capability for this mobile app on the Open Platform'),
  WX_HOSTAPP_NOT_REGISTERED: t('该 hostAppId 未注册为硬件设备应用', 'This hostAppId is not registered for devices', '在开放平台为该移动应用完成硬件框架的注册', 'Register this mobile app for the hardware framework on the Open Platform'),
  WX_PUSH_BAD_PARAMS: t('推送参数错误', 'The push parameters are invalid', '检查 push_token 与消息内容', 'Check the push_token and the message'),
  WX_PUSH_TOO_LONG: t('推送内容超过 5KB', 'The push message is over 5 KB', '缩短消息（当前 {bytes} 字节，上限 5120）', 'Shorten the message ({bytes} bytes now, 5120 allowed)'),
  WX_PUSH_TOKEN_INVALID: t('push_token 无效或已过期', 'The push_token is invalid or expired', '让设备重新获取 push_token', 'Have the device fetch a fresh push_token', { zh: '设备端接口：WMPFDeviceApi.getPushToken', en: 'On the device: WMPFDeviceApi.getPushToken' }),
  WX_INVALID_ARGS: t('平台拒绝了请求参数', 'The platform rejected the request parameters', '检查：{detail}', 'Check: {detail}'),
  WX_PLATFORM_ERROR: t('微信平台返回错误 {errcode}', 'The WeChat platform answered error {errcode}', '平台说明：{errmsg}', 'The platform said: {errmsg}'),

  // ── the network ──────────────────────────────────────────────────────────
  NET_UNREACHABLE: t('无法连接服务器 {host}', 'Cannot reach the server {host}', '检查网络；记录已保存在本机，联网后可继续', 'Check the network; records are kept on this station and continue once online'),
  NET_TIMEOUT: t('服务器 {host} 无响应（超时）', 'The server {host} did not answer in time', '检查网络后重试', 'Check the network and try again'),
  NET_HTTP_STATUS: t('服务器返回 HTTP {status}', 'The server answered HTTP {status}', '稍后重试', 'Try again later'),
  NET_BAD_RESPONSE: t('服务器的应答不是有效的微信接口应答（{detail}）', "The server's answer is not a valid WeChat API answer ({detail})", '没有当作成功处理，稍后会重试；持续出现请工程师检查接口地址设置', 'Nothing was counted as done and it is retried later; if it persists, have an engineer check the API address setting', { zh: '检查 WXPROV_API_BASE 是否指向微信接口（而不是代理或登录页）', en: 'Check that WXPROV_API_BASE points at the WeChat API (not at a proxy or a login page)' }),

  // ── createproduct's one-intent rule ─────────────────────────────────────
  PRODUCT_CREATE_OUTCOME_UNKNOWN: t('创建产品的请求已发出但没有收到应答，不确定是否已创建', 'The create-product request went out but no answer came back: the product may or may not exist', '先在微信平台确认；确认没有创建后，勾选“我已在微信平台确认没有创建成功”再创建（该接口有次数限制，不会自动重试）', 'Check on the WeChat platform first; if it was not created, tick "I checked on the WeChat platform that it was not created" and create it again (creating is rate-limited and never retried on its own)', { zh: '命令行：确认没有创建后加 --force 重新运行', en: 'CLI: once sure it was not created, run again with --force' }),
  PUSH_OUTCOME_UNKNOWN: t('推送请求已发出但没有收到应答（{detail}），消息可能已送达，也可能没有', 'The push request went out but no answer came back ({detail}): the message may or may not have been delivered', '不会自动重发，以免设备收到两次：先在设备上确认是否收到，再决定是否重新推送', 'It is not resent on its own, so the device never gets it twice unnoticed: check on the device whether it arrived before pushing again'),
  PRODUCT_CREATE_PENDING: t('同名产品有一次结果不明的创建请求（{when}）', 'A create-product request for the same names has an unknown outcome ({when})', '先在微信平台确认；确认没有创建后，勾选“我已在微信平台确认没有创建成功”再创建', 'Check on the WeChat platform first; if it was not created, tick "I checked on the WeChat platform that it was not created" and create it again', { zh: '命令行：确认没有创建后加 --force', en: 'CLI: once sure it was not created, add --force' }),
  PRODUCT_NOT_FOUND: t('本机没有产品 {product_id} 的记录', 'No product {product_id} is recorded on this station', '在设置页的“产品”中查看，或先创建/登记该产品', 'See the products on the setup screen, or create/record the product first', { zh: '用 wxprov product list 查看', en: 'See them with wxprov product list' }),

  // ── settings and input ───────────────────────────────────────────────────
  CONFIG_MISSING: t('缺少设置 {what}', 'The setting {what} is missing', '在设置页填写 {what}', 'Fill in {what} on the setup screen', { zh: '命令行：设置环境变量 {name}', en: 'CLI: set the environment variable {name}' }),
  CONFIG_INVALID: t('设置 {name} 无效：{detail}', 'The setting {name} is invalid: {detail}', '允许的值：{allowed}', 'Allowed: {allowed}'),
  INPUT_INVALID: t('{field} 无效：{detail}', '{field} is invalid: {detail}', '允许的值：{allowed}', 'Allowed: {allowed}'),
  INPUT_MISSING: t('缺少 {field}', '{field} is missing', '补上后重试', 'Give it and try again', { zh: '用法：{usage}', en: 'Usage: {usage}' }),
  INPUT_UNKNOWN_COMMAND: t('未知命令：{command}', 'Unknown command: {command}', '查看可用的命令', 'See the list of commands', { zh: 'wxprov help 列出全部命令', en: 'wxprov help lists every command' }),
  INPUT_UNKNOWN_COMMAND_NEAR: t('未知命令：{command}', 'Unknown command: {command}', '是不是要用 wxprov {suggestion}？（wxprov help 列出全部命令）', 'Did you mean wxprov {suggestion}? (wxprov help lists every command)'),
  INPUT_BAD_DEVICE_ID: t('设备 ID 无效（第 {line} 行）：{detail}', 'Invalid device id (line {line}): {detail}', '设备 ID 只能含 0-9 A-Z a-z _ -，最长 128 字节', 'A device id holds only 0-9 A-Z a-z _ - and at most 128 bytes'),
  INPUT_BAD_APPID: t('小程序 AppID 无效：{appid}', 'Invalid mini-program AppID: {appid}', '小程序 AppID 为 wx 加 16 位十六进制字符', 'A mini-program AppID is wx followed by 16 hex digits'),
  INPUT_MSG_TOO_LARGE: t('推送消息有 {bytes} 字节，超过 5KB 上限', 'The push message is {bytes} bytes, over the 5 KB limit', '缩短到 5120 字节以内（UTF-8，中文每字 3 字节）', 'Shorten it to 5120 bytes or fewer (UTF-8; a Chinese character is 3 bytes)'),
  FILE_UNREADABLE: t('无法读取文件 {path}', 'Cannot read the file {path}', '检查路径和权限（{detail}）', 'Check the path and permissions ({detail})'),
  INPUT_FILE_ENCODING: t('文件 {path} 第 {line} 行不是有效的 {encoding} 文本', 'Line {line} of {path} is not valid {encoding} text', '在 Excel/WPS 中另存为“CSV UTF-8（逗号分隔）”后重试；该文件的内容均未使用', 'Save it again from Excel/WPS as "CSV UTF-8 (comma delimited)" and try again; nothing from the file was used'),
  INPUT_FILE_BINARY: t('文件 {path} 第 {line} 行含有非文本内容（{detail}）', 'Line {line} of {path} holds something that is not text ({detail})', '确认这是 CSV 或文本文件（不是 Excel 表格文件）；该文件的内容均未使用', 'Check it is a CSV or text file (not an Excel workbook); nothing from the file was used', { zh: '.xlsx 不是文本；UTF-16 文件须带 BOM（Excel 的“Unicode 文本”带有）', en: '.xlsx is not text; UTF-16 needs a BOM (Excel\'s "Unicode text" has one)' }),
  INPUT_FILE_REPEATED_HEADER: t('文件 {path} 第 {line} 行是数据中间再次出现的表头', 'Line {line} of {path} is a header row again, in the middle of the data', '文件可能由几次导出拼接而成：删除多余的表头行后重试；该文件的内容均未使用', 'The file may be several exports joined together: delete the extra header rows and try again; nothing from the file was used'),

  // ── keys and signatures ──────────────────────────────────────────────────
  KEY_PASSPHRASE_REQUIRED: t('需要私钥口令', 'A passphrase for the private keys is needed', '请工程师提供私钥口令（私钥只以加密形式保存）', 'Ask the engineer for the key passphrase (private keys are only ever stored encrypted)', { zh: '命令行：设置环境变量 WXPROV_KEY_PASSPHRASE', en: 'CLI: set WXPROV_KEY_PASSPHRASE' }),
  KEY_UNSEAL_FAILED: t('无法解密产品 {product_id} 的私钥', 'Cannot decrypt the private key of product {product_id}', '口令不对，或私钥由另一台电脑/另一种方式加密', 'Wrong passphrase, or the key was sealed on another computer or by another method'),
  KEY_NOT_FOUND: t('产品 {product_id} 没有密钥{version}', 'Product {product_id} has no key{version}', '在设置页的“密钥”中生成或导入密钥', 'Generate or import a key under Keys on the setup screen', { zh: '运行 wxprov key create 或 wxprov key import', en: 'Run wxprov key create or wxprov key import' }),
  KEY_BAD_PEM: t('无法读取私钥：{detail}', 'Cannot read the private key: {detail}', '需要 PEM 格式的 P-256 私钥', 'A PEM P-256 private key is needed', { zh: 'prime256v1，PKCS#8 或 EC PRIVATE KEY', en: 'prime256v1, PKCS#8 or EC PRIVATE KEY' }),
  KEY_NOT_P256: t('密钥不是 P-256 类型：{detail}', 'The key is not P-256 (prime256v1): {detail}', '换一把 P-256 私钥', 'Use a P-256 private key', { zh: '用 openssl ecparam -name prime256v1 -genkey 生成', en: 'Make one with openssl ecparam -name prime256v1 -genkey' }),
  KEY_VERSION_EXISTS: t('产品 {product_id} 已有密钥版本 {key_version}', 'Product {product_id} already has key version {key_version}', '换一个版本号，或使用已有密钥', 'Use another version, or the key already there'),
  KEY_EXPORT_PRIVATE_REFUSED: t('私钥不能导出', 'Private keys cannot be exported', '只能导出公钥', 'Only the public key can be exported', { zh: '加 --public 导出公钥', en: 'Use --public to export the public key' }),
  KEY_REGISTER_UNFINISHED: t('产品 {product_id} 有一把已生成但未确认注册的公钥', 'Product {product_id} has a generated key whose registration was not confirmed', '再生成一次密钥：会重新提交同一把公钥', 'Generate the key again: the same public key is resubmitted', { zh: '再次运行 wxprov key create 会重新提交同一把公钥', en: 'Run wxprov key create again: it resubmits the same public key' }),
  SIGNATURE_INVALID: t('签名与设备 ID 不匹配', 'The signature does not match the device id', '确认产品、密钥版本和设备 ID 是否正确', 'Check the product, the key version and the device id'),
  SIGNATURE_MALFORMED: t('签名格式错误：{detail}', 'The signature is malformed: {detail}', '签名应为一行文字，中间不能换行', 'A signature is one line of text, with no line breaks', { zh: '一行 base64 的 DER 编码 ECDSA 签名', en: 'one line of base64 of a DER ECDSA signature' }),

  // ── the key store (envelope sealing, shared by the app and the CLI) ─────
  KEYSTORE_NOT_SET_UP: t('还没有设置密钥库口令', 'No key-store passphrase has been set yet', '在设置页设置口令：它保护本机的私钥和 AppSecret，命令行也用同一个口令', 'Set one on the setup screen: it protects the private keys and the AppSecret here, and the command line uses the same passphrase'),
  KEYSTORE_LOCKED: t('密钥库已锁定', 'The key store is locked', '请工程师在设置页输入密钥库口令解锁', 'Ask the engineer to unlock it with the key-store passphrase on the setup screen'),
  KEYSTORE_PASSPHRASE_WRONG: t('密钥库口令不对', 'The key-store passphrase is wrong', '输入设置密钥库时用的口令（命令行用的也是它）', 'Enter the passphrase the key store was set up with (the command line uses the same one)'),
  KEYSTORE_LEGACY_MISMATCH: t('这个口令打不开本机已有的私钥（产品 {product_id}）', 'This passphrase does not open the private key already here (product {product_id})', '输入当初加密这些私钥时用的口令', 'Enter the passphrase those keys were sealed with'),
  KEYSTORE_EXISTS: t('密钥库已经设置过口令', 'The key store already has a passphrase', '用原来的口令解锁', 'Unlock it with its passphrase'),
  KEYSTORE_SLOT_NOT_FOUND: t('没有编号为 {id} 的密钥槽', 'There is no key slot {id}', '先列出现有的密钥槽，再按编号删除', 'List the key slots first, then remove one by its id'),
  KEYSTORE_LAST_SLOT: t('密钥槽 {id} 是最后一个口令槽，不能删除', 'Key slot {id} is the last passphrase slot and cannot be removed', '换电脑或用命令行时只能用口令解锁：先增加另一个口令槽，再删除这个', 'Only a passphrase opens the store from the command line or on another computer: add another passphrase slot first, then remove this one'),

  // ── the device registry and sync ─────────────────────────────────────────
  DEVICE_ID_DUPLICATE: t('设备 ID {device_id} 已存在（产品 {product_id}）', 'Device id {device_id} already exists (product {product_id})', '每个设备 ID 只能使用一次；换一个 ID', 'Each device id is used once only; use another id'),
  DEVICE_NOT_FOUND: t('没有设备 {device_id} 的记录', 'No record of device {device_id}', '在“记录”页查找', 'Look it up on the records screen', { zh: '用 wxprov devices search 查找', en: 'Look it up with wxprov devices search' }),
  DEVICE_STATE_INVALID: t('设备 {device_id} 当前为 {status}，不能{action}', 'Device {device_id} is {status} and cannot be {action}', '查看记录中的状态', 'Check its state in the records'),
  TEMPLATE_INVALID: t('设备 ID 模板无效：{detail}', 'The device id template is invalid: {detail}', '可用：字母数字 _ - 与 {station} {date:YYMMDD} {seq:N} {hwid} {sn}，例如 FR{station}{date:YYMMDD}{seq:6}', 'Use letters, digits, _ - and {station} {date:YYMMDD} {seq:N} {hwid} {sn}, e.g. FR{station}{date:YYMMDD}{seq:6}'),
  TEMPLATE_NEEDS_VALUE: t('模板需要 {token}，但没有提供', 'The template needs {token} but none was given', '{hint}', '{hint}', { zh: '命令行：{station} 用 wxprov config set station_code <编号> 设置，{sn} 用 --sn 传入', en: 'CLI: set {station} with wxprov config set station_code <code>; give {sn} with --sn' }),
  SEQUENCE_EXHAUSTED: t('序号已用完（{digits} 位）', 'The sequence is used up ({digits} digits)', '在模板中加大 {seq:N} 的位数', 'Use more digits in {seq:N} in the template'),
  PRODUCT_MODEL_MISSING: t('产品 {product_id} 没有型号', 'Product {product_id} has no model name', '在设置页的“产品”中登记它的型号', 'Record its model name under Products on the setup screen', { zh: '运行 wxprov product add --product {product_id} --model <型号>', en: 'Run wxprov product add --product {product_id} --model <model_name>' }),
  SETTING_INVALID: t('设置 {key} 的值无效：{value}', 'Invalid value for setting {key}: {value}', '允许的值：{allowed}', 'Allowed: {allowed}'),
  STATION_CODE_MISSING: t('还没有设置工位编号，不能发设备 ID', 'No station code is set, so no device id can be minted', '在设置页填写本工位的编号（产线上每个工位不同，如 A1）', "Set this station's code on the setup screen (different for each station on the line, e.g. A1)", { zh: '命令行：wxprov config set station_code <编号>', en: 'CLI: wxprov config set station_code <code>' }),
  STATION_MACHINE_CHANGED: t(
    '站号 {station_code} 是在另一台电脑上设置的（数据目录被复制过来了？），为免两台电脑发出相同的设备 ID，已停止发号',
    'The station code {station_code} was set on another computer (was the data dir copied here?): no ids are minted until it is confirmed, so two computers never mint the same ids',
    '在设置页重新确认工位编号。原电脑不再使用该编号时才可沿用，否则请换一个新编号',
    "Confirm the station code in the app's setup. Keep the same code only if the other computer no longer uses it; otherwise choose a new one",
    { zh: '命令行：wxprov config set station_code <编号>', en: 'CLI: wxprov config set station_code <code>' },
  ),
  SYNC_PAUSED: t('同步已暂停，本机时间 {until_local}（北京时间 {until_beijing}）自动恢复：{reason}', 'Sync is paused until {until_local} station time ({until_beijing} Beijing time): {reason}', '记录都保留在本机队列中，到时自动继续；工程师可在“上传队列”页提前恢复', 'Everything stays queued on this station and resumes then; an engineer can resume earlier on the queue screen', { zh: '现在恢复：wxprov queue --resume', en: 'Resume now with wxprov queue --resume' }),
  SYNC_IDS_REFUSED: t('平台拒绝了 {count} 个设备 ID，已标记为失败（{reason}）', 'The platform refused {count} device ids, marked failed ({reason})', '修正原因后在“上传队列”页重新上传被拒绝的；失败的 ID 见“记录”页', 'Fix the cause, then upload the refused ones again on the queue screen; the records screen shows which ids failed', { zh: '重新排队：wxprov queue --retry-failed；失败的 ID 见 wxprov records', en: 'Queue them again with wxprov queue --retry-failed; wxprov records shows which ids failed' }),

  // ── serial ports and units (WXP/1) ──────────────────────────────────────
  PORT_NOT_FOUND: t('找不到端口 {port}', 'Port {port} was not found', '检查 USB 线和转接器是否插好', 'Check the USB cable and adapter', { zh: '用 wxprov ports 查看可用端口；网络治具（tcp:）检查它的网线和电源', en: 'See the ports with wxprov ports; for a networked jig (tcp:), check its network cable and power' }),
  PORT_ACCESS_DENIED: t('没有权限打开串口 {port}', 'No permission to open serial port {port}', '请工程师给本机用户开通串口权限', 'Ask an engineer to give this user access to serial ports', { zh: 'Linux：把当前用户加入 dialout 组（sudo usermod -aG dialout $USER）后重新登录', en: 'Linux: add this user to the dialout group (sudo usermod -aG dialout $USER) and log in again' }),
  PORT_BUSY: t('串口 {port} 被其他程序占用', 'Serial port {port} is in use by another program', '关闭占用它的程序（串口助手、另一个工位程序）后重试', 'Close the program holding it (a serial terminal, another station) and try again'),
  PORT_VANISHED: t('端口 {port} 已断开', 'Port {port} went away', '检查 USB 线；重新插好后会自动继续', 'Check the USB cable; it resumes once plugged back in'),
  PORT_OPEN_FAILED: t('无法打开串口 {port}：{detail}', 'Cannot open serial port {port}: {detail}', '检查串口设置（波特率）与转接器', 'Check the port settings (baud rate) and the adapter'),
  DEVICE_NO_ANSWER: t('设备在“{step}”步骤没有应答（{tries} 次）', 'The unit did not answer at step {step} ({tries} tries)', '检查设备是否上电、接线与波特率；若设备被拔出，插回后会用同一个 ID 继续', 'Check power, wiring and baud rate; if it was unplugged, plug it back and it resumes with the same id'),
  DEVICE_BAD_CRC: t('设备在“{step}”步骤的应答校验错误（{tries} 次）', 'The unit answered with a bad CRC at step {step} ({tries} tries)', '检查接线与干扰、波特率', 'Check the wiring, interference and baud rate'),
  DEVICE_ERROR: t('设备在“{step}”步骤报错 {device_code}', 'The unit reported {device_code} at step {step}', '{hint}', '{hint}', { zh: '设备的原话：{msg}', en: 'The unit said: {msg}' }),
  DEVICE_PROTOCOL: t('设备协议版本 {proto} 不受支持', 'The unit speaks protocol version {proto}, not 1', '这台设备的固件版本不对：放到一边交给工程师', 'This unit has the wrong firmware: set it aside for an engineer', { zh: '更新设备固件到支持 WXP/1 的版本', en: 'Update the firmware to one that speaks WXP/1' }),
  DEVICE_BAD_ANSWER: t('设备在“{step}”步骤的应答不完整：{detail}', 'The unit gave an incomplete answer at step {step}: {detail}', '放到一边，交给工程师检查固件', 'Set it aside for an engineer to check the firmware', { zh: '检查设备固件的 WXP/1 实现', en: "Check the firmware's WXP/1 implementation" }),
  DEVICE_MISMATCH: t('回读的 {field} 与写入的不一致', 'The read-back {field} differs from what was written', '设备存储可能有问题；换一台设备或检查固件', 'The unit storage may be faulty; try another unit or check the firmware'),
  DEVICE_SIGNATURE_BAD: t('回读的签名无法用产品公钥验证', "The read-back signature does not verify with the product's public key", '检查产品与密钥版本；这台设备不能出货', 'Check the product and key version; this unit must not ship'),
  DEVICE_NOT_LOCKED: t('提交后设备没有锁定（状态 {state}）', 'After COMMIT the unit reports state {state}, not locked', '设备没有保存身份：放到一边交给工程师', 'The unit did not keep its identity: set it aside for an engineer', { zh: '检查固件的 COMMIT 实现', en: "Check the firmware's COMMIT" }),
  PUSH_TEST_FAILED: t('推送测试失败：{detail}', 'The push test failed: {detail}', '检查设备联网与小程序绑定', 'Check that the unit is online and the mini program is bound'),
  UNIT_FOREIGN_IDENTITY: t('设备上的身份不属于本产品：{detail}', "The identity on the unit is not this product's: {detail}", '放到一边交给工程师：不能出货，也没有被覆盖', 'Set it aside for an engineer: it must not ship, and it was not overwritten'),
  UNIT_ID_ELSEWHERE: t('设备上的 ID {device_id} 在记录中属于另一台设备（硬件号 {hwid}）', 'The id {device_id} on the unit belongs to another unit in the records (hwid {hwid})', '两台设备不能共用一个 ID：放到一边交给工程师', 'Two units must never share an id: set this one aside for an engineer'),
  UNIT_ID_VOID: t('设备上的 ID {device_id} 已作废（{reason}）', 'The id {device_id} on the unit was voided ({reason})', '放到一边：由工程师擦除后重新写号', 'Set it aside: an engineer erases it and flashes it again'),
  UNIT_CHANGED: t('操作过程中设备变了（硬件号 {before} → {after}）', 'The unit changed while it was being worked on (hwid {before} → {after})', '取下后只放一台设备；若反复出现，说明设备的硬件号不稳定，放到一边', 'Take it off and put one unit back; if this repeats, the unit reports an unstable hwid: set it aside'),
  LINE_STOPPED: t('产线已停止，这台设备没有完成', 'The line was stopped before this unit was done', '设备没有被提交：重新启动产线后再放上', 'Nothing was committed on it: start the line and place it again'),

  // ── Android units through the ADB server (main/core/adb) ─────────────────
  // ── product keys in a hardware token (PKCS#11) ────────────────────────────
  PKCS11_UNAVAILABLE: t('本机无法使用硬件密钥', 'Hardware key tokens cannot be used on this computer', '请工程师检查本程序的安装', 'Ask an engineer to check the installation', { zh: 'pkcs11js 原生模块没有构建或加载失败：{detail}', en: 'The pkcs11js native module is missing or failed to load: {detail}' }),
  PKCS11_MODULE_NOT_FOUND: t('找不到硬件密钥的驱动 {module}', 'The hardware key driver {module} was not found', '请工程师确认驱动已安装、路径正确', 'Ask an engineer to check that the driver is installed at that path', { zh: '加载 PKCS#11 模块失败：{detail}', en: 'Loading the PKCS#11 module failed: {detail}' }),
  PKCS11_TOKEN_NOT_FOUND: t('找不到硬件密钥“{token}”', 'Hardware key token "{token}" was not found', '检查硬件密钥是否插好；仍不行请告诉工程师', 'Check that the token is plugged in; if so, tell an engineer', { zh: '模块 {module} 中没有标签或序列号为 {token} 的令牌（有：{present}）', en: 'Module {module} has no token with label or serial {token} (present: {present})' }),
  PKCS11_PIN_REQUIRED: t('需要硬件密钥“{token}”的 PIN', 'The PIN of hardware key token "{token}" is needed', '请工程师输入硬件密钥的 PIN', "Ask an engineer to enter the token's PIN", { zh: '设置 WXPROV_PKCS11_PIN，或在创建密钥时让本机密钥库保存 PIN', en: 'Set WXPROV_PKCS11_PIN, or let the key store keep the PIN when the key is created' }),
  PKCS11_PIN_INCORRECT: t('硬件密钥“{token}”的 PIN 不对', 'Wrong PIN for hardware key token "{token}"', '请工程师检查 PIN；多次输错会锁住硬件密钥', 'Ask an engineer to check the PIN; too many wrong tries lock the token'),
  PKCS11_PIN_LOCKED: t('硬件密钥“{token}”的 PIN 已被锁定', 'The PIN of hardware key token "{token}" is locked', '输错次数太多：请工程师用管理员 PIN 解锁', 'Too many wrong tries: an engineer must unlock it with the security officer PIN'),
  PKCS11_MECHANISM_UNSUPPORTED: t('硬件密钥“{token}”不支持所需的算法 {mechanism}', 'Hardware key token "{token}" does not support {mechanism}', '换用支持椭圆曲线签名的硬件密钥', 'Use a token that supports elliptic-curve (P-256) signing'),
  PKCS11_KEY_NOT_FOUND: t('硬件密钥“{token}”中没有密钥 {key}', 'Hardware key token "{token}" holds no key {key}', '检查插的是不是正确的硬件密钥', 'Check that the right token is plugged in', { zh: '按标签或编号找不到 P-256 私钥', en: 'No P-256 private key with that label or id' }),
  PKCS11_TOKEN_REMOVED: t('硬件密钥“{token}”被拔出', 'Hardware key token "{token}" was removed', '插回硬件密钥后重试；已完成的签名都完整保留', 'Plug the token back in and try again; what was signed before is complete'),
  PKCS11_FAILED: t('硬件密钥操作失败：{detail}', 'The hardware key token failed: {detail}', '重试；仍失败请告诉工程师', 'Try again; if it fails again, tell an engineer'),
  ADB_SERVER_UNREACHABLE: t('无法连接安卓调试服务（{host}:{port}）', 'Cannot reach the ADB server ({host}:{port})', '请工程师启动本机的安卓调试服务后重试', "Ask an engineer to start this computer's ADB server, then try again", { zh: '运行 adb start-server；服务不在本机默认端口时设置 ANDROID_ADB_SERVER_ADDRESS / ANDROID_ADB_SERVER_PORT', en: 'Run adb start-server; if the server is elsewhere, set ANDROID_ADB_SERVER_ADDRESS / ANDROID_ADB_SERVER_PORT' }),
  ADB_SERVER_ERROR: t('安卓调试服务的应答无效（{detail}）', 'The ADB server gave an unexpected answer ({detail})', '请工程师检查本机的安卓调试服务', "Have an engineer check this computer's ADB server", { zh: '地址与端口（{host}:{port}）上可能是别的程序；用 adb kill-server 后 adb start-server 重启服务', en: 'Another program may be listening on {host}:{port}; restart the server with adb kill-server, then adb start-server' }),
  ADB_UNAUTHORIZED: t('设备 {port} 尚未允许本机调试', 'Unit {port} has not authorised this computer for USB debugging', '在设备屏幕上点“允许 USB 调试”（可勾选“始终允许”）', 'On the unit\'s screen, accept the USB debugging prompt (tick "Always allow")', { zh: '设备还没有接受本机的调试密钥（设备列表中状态为 unauthorized）', en: "The unit has not accepted this computer's RSA key (adb devices shows unauthorized)" }),
  ADB_DEVICE_OFFLINE: t('设备 {port} 未就绪（{state}）', 'Unit {port} is not ready ({state})', '等设备开机完成；仍不行就重新插拔 USB 线', 'Wait for the unit to finish booting; if it stays so, unplug the USB cable and plug it back in', { zh: '设备列表中的状态为 {state}，不是 device', en: 'adb devices shows {state}, not device' }),
  ADB_AGENT_NOT_RUNNING: t('设备 {port} 上的 WMPF 客户端没有在运行', 'The WMPF Client app is not running on unit {port}', '在设备上打开 WMPF 客户端应用后重试', 'Open the WMPF Client app on the unit, then try again', { zh: '设备上没有程序在监听 localabstract:wmpf-wxp', en: 'Nothing on the unit listens on localabstract:wmpf-wxp' }),

  // ── the device simulator (wxprov sim device) ────────────────────────────
  SIM_NEEDS_SOCAT: t('本机没有安装模拟设备需要的虚拟串口程序', 'The device simulator needs socat, which is not installed', '请工程师安装后重试', 'Ask an engineer to install it and try again', { zh: '安装 socat：apt-get install socat（macOS：brew install socat）', en: 'Install socat: apt-get install socat (macOS: brew install socat)' }),
  SIM_PTY_FAILED: t('无法在 {link} 创建虚拟串口：{detail}', 'Cannot create a pseudo-terminal at {link}: {detail}', '换一个路径（所在目录须存在且可写，不能是已有的普通文件）', 'Use another path (its folder must exist and be writable, and it must not be an existing regular file)', { zh: '路径由 --link 指定', en: 'the path is given with --link' }),

  // ── the desktop app (main/core/app) ─────────────────────────────────────
  APP_LOCKED: t('设置已锁定', 'Setup is locked', '请工程师输入 PIN 解锁', 'Ask the engineer for the PIN'),
  APP_NO_MODE: t('还没有选择模式', 'No mode has been chosen yet', '先选择“模拟”或“真实”模式', 'Choose simulation or real mode first'),
  APP_WRONG_MODE: t('这项操作只能在{mode}模式下进行', 'This can only be done in {mode} mode', '切换到{mode}模式后再试', 'Switch to {mode} mode and try again'),
  LOCK_NO_PIN: t('还没有设置 PIN', 'No PIN has been set', '先设置 PIN，再锁定', 'Set a PIN first, then lock'),
  LOCK_PIN_WRONG: t('PIN 不正确', 'The PIN is wrong', '还可以再试 {tries_left} 次', '{tries_left} more tries before a pause'),
  LOCK_TOO_MANY_TRIES: t('PIN 错误次数过多', 'Too many wrong PINs', '请等待 {seconds} 秒后再试', 'Wait {seconds} seconds and try again'),
  LINE_RUNNING: t('产线正在运行', 'The line is running', '先停止产线，再修改{what}', 'Stop the line before changing {what}'),
  LINE_SETUP_MISSING: t('产线还不能启动：缺少{what}', 'The line cannot start: {what} is missing', '在设置页完成{what}', 'Set {what} on the setup screen'),
  SLOT_UNKNOWN: t('没有工位 {slot}', 'There is no slot {slot}', '可用的工位：{slots}', 'The slots are: {slots}'),
  UI_SESSION_REQUIRED: t('请从工位程序给出的地址打开本页面', 'Open this page from the address the station program gave', '打开工位程序启动时显示的完整地址；工位程序每次启动，地址都会变', 'Open the full address the station program showed when it started; it changes every time the program starts'),

  // ── native modules for the desktop app (npm start, main/core/native) ──────
  NATIVE_REBUILD_FAILED: t(
    '无法为桌面应用准备本机模块（{modules}）：{detail}',
    'Could not prepare the Electron build of {modules} for the desktop app: {detail}',
    '这一步需要联网：先下载预编译的文件，没有就下载编译所需的头文件后从源码编译，这还需要本机装有编译工具：请工程师装好后重新启动',
    'This needs the internet: it downloads a prebuilt copy, or else the headers to compile against and compiles from source, which also needs build tools: install them and start again',
    {
      zh: 'Windows：Visual Studio 生成工具（勾选“使用 C++ 的桌面开发”）和 Python 3；macOS：xcode-select --install；Linux：build-essential 和 python3（apt-get install build-essential python3）。然后重新运行 npm start',
      en: 'Windows: Visual Studio Build Tools with "Desktop development with C++", and Python 3; macOS: xcode-select --install; Linux: build-essential and python3 (apt-get install build-essential python3). Then run npm start again',
    },
  ),

  // ── a station in a fleet (main/core/fleet: the factory server) ─────────
  FLEET_CERT_MISMATCH: t('工厂服务器 {server} 的证书与登记的指纹不符', "The certificate of the factory server {server} does not match the pinned fingerprint", '不要继续：向管理员核对服务器地址和指纹，可能连到了别的服务器', 'Do not go on: check the server address and fingerprint with the administrator; this may be another server', { zh: '期望 {expected}，实际 {actual}', en: 'expected {expected}, got {actual}' }),
  FLEET_OFFLINE: t('无法连接工厂服务器 {server}', 'Cannot reach the factory server {server}', '检查网络；已领取的设备 ID 用完之前产线照常生产，记录在联网后自动补传', 'Check the network; the line goes on with the ids already taken, and the records are sent once the server is back', { zh: '{detail}', en: '{detail}' }),
  FLEET_BAD_RESPONSE: t('工厂服务器的应答无效（{detail}）', "The factory server's answer is not valid ({detail})", '没有当作成功处理，稍后会重试；持续出现请工程师检查服务器', 'Nothing was counted as done and it is retried later; if it persists, have an engineer check the server'),
  FLEET_NOT_JOINED: t('本工位还没有加入工厂服务器', 'This station has not joined a factory server', '先加入工厂服务器', 'Join a factory server first', { zh: 'wxprov fleet join --server <地址> --fingerprint <指纹> --code <注册码>', en: 'wxprov fleet join --server <url> --fingerprint <fingerprint> --code <enrolment code>' }),
  FLEET_ALREADY_JOINED: t('本工位已加入工厂服务器 {server}（工位编号 {station_code}）', 'This station already joined the factory server {server} (station code {station_code})', '一个工位只属于一台服务器：要换，请管理员先在服务器上注销本工位，同步一次后再加入', 'A station belongs to one server: to change, have the administrator revoke it on the server, sync once, then join again', { zh: '注销后运行 wxprov fleet sync，再 wxprov fleet join', en: 'After the revocation run wxprov fleet sync, then wxprov fleet join' }),
  FLEET_STATION_REVOKED: t('本工位已被工厂服务器注销', 'This station was revoked by the factory server', '本工位不能再发号：请管理员重新登记后再加入', 'This station can no longer take ids: have the administrator enroll it again, then join again'),
  FLEET_ENROL_REFUSED: t('注册码不对、已用过或已过期', 'The enrolment code is wrong, used or expired', '向管理员要一个新的注册码', 'Ask the administrator for a new enrolment code'),
  DEVICE_ID_TAKEN: t('设备 ID {device_id} 已被另一个工位占用', 'Device id {device_id} is already held by another station', '这台设备没有写入任何内容：换一个 ID（或重新扫码）后再放上', 'Nothing was written to the unit: use another id (or scan again) and place it again'),
  FLEET_NO_IDS: t('产品 {product_id} 没有可用的预签设备 ID，也连不上工厂服务器', 'No pre-signed device id is left for product {product_id}, and the factory server cannot be reached', '检查与工厂服务器的网络：连上后会自动领取新的一批', 'Check the network to the factory server: a new block is taken as soon as it is reachable', { zh: '{detail}', en: '{detail}' }),
  FLEET_JOIN_QUEUE_PENDING: t('本工位还有 {count} 个设备 ID 在等待注册，不能加入工厂服务器', 'This station still has {count} device ids waiting for registration, so it cannot join a factory server', '先把排队的设备 ID 上传完，再加入', 'Upload the queued ids first, then join', { zh: '运行 wxprov sync（wxprov queue 查看队列）', en: 'Run wxprov sync (wxprov queue shows the queue)' }),
  FLEET_PRODUCTS_ON_SERVER: t('本工位属于工厂服务器：产品由服务器创建和管理', 'This station belongs to a factory server: products are created and managed there', '在工厂服务器上操作，本工位会自动收到', 'Do it on the factory server; this station receives it by itself', { zh: 'wxprov server product … --home <服务器目录>', en: 'wxprov server product … --home <server dir>' }),
  FLEET_KEYS_ON_SERVER: t('本工位属于工厂服务器：密钥只在服务器上，本工位不保存私钥', 'This station belongs to a factory server: keys live on the server, and this station holds no private key', '在工厂服务器上操作', 'Do it on the factory server', { zh: 'wxprov server key create --product <产品> --home <服务器目录>', en: 'wxprov server key create --product <id> --home <server dir>' }),
  FLEET_REGISTRATION_ON_SERVER: t('本工位属于工厂服务器：设备注册由服务器负责', 'This station belongs to a factory server: registering devices is the server\'s job', '设备 ID 在服务器签发时就已排队注册，本工位无需上传注册', 'Every id is queued for registration on the server when it is issued; nothing to register from here', { zh: '本工位的记录用 wxprov fleet sync 上传', en: "This station's records go up with wxprov fleet sync" }),
  FLEET_STATION_CODE_ON_SERVER: t('本工位属于工厂服务器：工位编号 {station_code} 由服务器分配，不能在本机修改', 'This station belongs to a factory server: its station code {station_code} was given by the server and cannot be changed here', '请管理员在服务器上处理', 'Ask the administrator of the server'),
  FLEET_CREDENTIAL_UNSEAL_FAILED: t('无法解密本工位连接工厂服务器的凭据', "Cannot decrypt this station's credential for the factory server", '密钥库可能被换过：请管理员重新登记本工位后再加入', 'The key store may have been replaced: have the administrator enroll this station again, then join again'),

  // ── the factory server (main/core/server) ───────────────────────────────
  FLEET_UNAUTHORIZED: t('工厂服务器不认识这个凭据', 'The factory server does not know this credential', '请管理员重新登记本工位后再加入', 'Have the administrator enroll this station again, then join again', { zh: '请求缺少 Authorization: Bearer 凭据，或凭据不对', en: 'The request has no Authorization: Bearer credential, or a wrong one' }),
  FLEET_STATION_EXISTS: t('工位编号 {station} 已经登记（{state}）', 'The station code {station} is already enrolled ({state})', '一个工位编号在整个工厂只能有一个工位：换一个编号，或先注销原来的工位', 'A station code names one station in the whole factory: choose another code, or revoke the old station first', { zh: 'wxprov server revoke --station {station} --home <服务器目录>', en: 'wxprov server revoke --station {station} --home <server dir>' }),
  FLEET_STATION_NOT_FOUND: t('工厂服务器上没有工位 {station}', 'The factory server has no station {station}', '先查看已登记的工位', 'See the stations enrolled first', { zh: 'wxprov server stations --home <服务器目录>', en: 'wxprov server stations --home <server dir>' }),
  FLEET_ADMIN_LOCAL_ONLY: t('管理操作只能在工厂服务器本机上进行', 'Administration is only accepted on the factory server itself', '在运行服务器的电脑上操作', 'Do it on the computer the server runs on', { zh: '管理令牌只接受来自本机地址的连接（对方 {remote}）', en: 'The admin token is only accepted from this computer\'s own addresses (peer {remote})' }),
  FLEET_NO_ROUTE: t('工厂服务器没有这个接口：{method} {path}', 'The factory server has no {method} {path}', '工位程序与服务器的版本可能不一致：请工程师检查', 'The station and the server may be different versions: have an engineer check'),
  FLEET_BAD_REQUEST: t('工厂服务器收到的请求无效：{detail}', 'The factory server got an invalid request: {detail}', '工位程序与服务器的版本可能不一致：请工程师检查', 'The station and the server may be different versions: have an engineer check'),
  FLEET_BODY_TOO_LARGE: t('请求超过工厂服务器允许的 {limit} 字节', 'The request is over the {limit} bytes the factory server accepts', '分成较小的几批再发', 'Send it in smaller batches'),
  FLEET_SERVER_NOT_READY: t('工厂服务器还没有设置好：缺少 {what}', 'The factory server is not set up yet: {what} is missing', '请管理员设置好服务器后再试', 'Ask the administrator to finish setting up the server, then try again', { zh: '启动 wxprov server 前设置环境变量 {name}', en: 'Set {name} before starting wxprov server' }),
  FLEET_SERVER_NOT_RUNNING: t('{home} 没有正在运行的工厂服务器（{detail}）', 'No factory server is running from {home} ({detail})', '先启动工厂服务器', 'Start the factory server first', { zh: 'wxprov server --home {home}', en: 'wxprov server --home {home}' }),
  FLEET_SERVER_RUNNING: t('{home} 已有一个工厂服务器在运行（进程 {pid}）', 'A factory server is already running from {home} (process {pid})', '一个服务器目录只能由一个服务器使用：先停止那个，或换一个目录', 'One server dir serves one server: stop that one first, or use another dir', { zh: '进程已不存在时删除 {lock}', en: 'If that process is gone, delete {lock}' }),
  FLEET_LISTEN_FAILED: t('工厂服务器无法在 {listen} 上监听：{detail}', 'The factory server cannot listen on {listen}: {detail}', '换一个端口，或停止占用它的程序', 'Use another port, or stop the program holding it', { zh: '用 --listen <地址:端口> 指定', en: 'Choose it with --listen <host:port>' }),
  FLEET_TLS_FAILED: t('工厂服务器的证书无法使用：{detail}', "The factory server's certificate cannot be used: {detail}", '请工程师检查服务器目录中的证书文件', 'Have an engineer check the certificate files in the server dir', { zh: '证书在 {dir}（key.pem 与 cert.pem）。两个都删除会在下次启动时生成新证书，指纹随之改变，每个工位都要重新加入', en: 'The certificate is in {dir} (key.pem and cert.pem). Deleting both makes a new one at the next start: its fingerprint changes and every station must join again' }),
  FLEET_STORE_NEWER_SCHEMA: t('工厂服务器的数据库由更新版本的程序写入（结构版本 {found}，本程序只认识到 {known}）', 'The factory server database was written by a newer version of this program (schema {found}; this one knows up to {known})', '请用新版本启动服务器；不要用旧版本打开新版本的数据库', 'Start the server with the newer version; never open a newer database with an older version'),
  FLEET_STORE_FAILED: t('工厂服务器的数据库出错：{detail}', 'The factory server database failed: {detail}', '检查数据库是否在运行、网络与磁盘空间', 'Check that the database is running, the network and the disk space', { zh: '数据库地址由 --database 或 WXPROV_DATABASE_URL 给出，否则用服务器目录中的内置数据库（pgdata）', en: 'The database is --database or WXPROV_DATABASE_URL, else the embedded one in the server dir (pgdata)' }),
  FLEET_TEMPLATE_NOT_BLOCKABLE: t('产品 {product_id} 的设备 ID 模板需要 {token}，不能预先签发', 'The device id template of product {product_id} needs {token}, so its ids cannot be minted ahead', '这类设备 ID 在每台设备上线时由服务器逐个签发', 'Such ids are signed by the server one unit at a time, online'),
  FLEET_REQUEST_REUSED: t('请求编号 {request_id} 已用于另一个请求', 'The request id {request_id} was already used for another request', '工位程序与服务器的版本可能不一致：请工程师检查', 'The station and the server may be different versions: have an engineer check', { zh: '同一请求编号只能重发同一个请求（{detail}）', en: 'A request id may only be sent again with the same request ({detail})' }),
  FLEET_SYNC_PAUSED: t('服务器的设备注册已暂停，北京时间 {until_beijing} 自动恢复：{reason}', 'Registration on the server is paused until {until_beijing} Beijing time: {reason}', '设备 ID 都保留在服务器的注册队列中，到时自动继续', 'Every id stays queued on the server and registration resumes then'),
  FLEET_SYNC_IDS_REFUSED: t('平台拒绝了 {count} 个设备 ID，已在服务器上标记为失败（{reason}）', 'The platform refused {count} device ids, marked failed on the server ({reason})', '其余设备 ID 照常注册；请工程师查明原因', 'The other ids are registered as usual; have an engineer find the cause', { zh: '失败的 ID 在服务器的注册队列中（状态为失败，附平台的原话）', en: "The failed ids are in the server's registration queue (state failed, with the platform's words)" }),
  // ── the factory server's dashboard (main/core/server/dashboard) ─────────
  FLEET_LOGIN_REQUIRED: t('请先登录工厂看板', 'Sign in to the factory dashboard first', '输入管理员密码登录；长时间不用会自动退出', 'Sign in with the administrator password; an idle session ends by itself'),
  FLEET_LOGIN_WRONG: t('管理员密码不对', 'The administrator password is wrong', '再输入一次；忘记密码请管理员重新设置', 'Type it again; if it is lost, have the administrator set a new one', { zh: '密码在服务器首次启动时显示一次；用环境变量 WXPROV_ADMIN_PASSWORD 启动服务器可以改成新的', en: 'The password is shown once at the first start; starting the server with WXPROV_ADMIN_PASSWORD sets a new one' }),
  FLEET_LOGIN_THROTTLED: t('密码错误次数太多，请 {seconds} 秒后再试', 'Too many wrong passwords: try again in {seconds} seconds', '稍等再试；不要反复猜测密码', 'Wait, then try again; do not keep guessing'),
  FLEET_CROSS_ORIGIN: t('来自其他网页的请求已被拒绝', 'A request from another web page was refused', '直接在浏览器中打开工厂服务器的地址再操作', "Open the factory server's address in the browser directly and do it there", { zh: '请求的 Origin {origin} 与服务器地址 {host} 不符', en: 'The request Origin {origin} is not the server address {host}' }),
  FLEET_DASHBOARD_MISSING: t('工厂服务器上没有看板页面', 'The factory server has no dashboard page', '请工程师安装完整的程序后重新启动服务器', 'Have an engineer install the complete program, then restart the server', { zh: '界面没有构建（{dir} 中缺少 index.html）：运行 npm run build:renderer', en: 'The UI is not built (no index.html in {dir}): run npm run build:renderer' }),

  // ── the factory's MES (main/core/mes) ─────────────────────────────────────
  MES_REJECTED: t('MES 不允许这台设备在本工位写号：{reason}', 'The MES does not allow this unit at this station: {reason}', '设备没有写入任何内容：取下，按 MES 的提示处理（例如先过前一道工序）', 'Nothing was written to the unit: take it off and do what the MES says (for example, pass the previous station first)'),
  MES_UNREACHABLE: t('无法连接 MES，设备没有写入', 'Cannot reach the MES, so the unit was not written', '检查网络；MES 恢复后重新放上设备', 'Check the network; place the unit again once the MES is back', { zh: '{detail}（mes_offline=allow 时会放行并在结果中注明）', en: '{detail} (with mes_offline=allow the unit goes on and its result says so)' }),
  MES_REPORT_FAILED: t('上报 MES 失败：{detail}', 'Reporting to the MES failed: {detail}', '结果已保存在本机，稍后自动重报，产线不受影响', 'The results are kept here and reported again later; the line is not affected'),
  MES_TOKEN_UNAVAILABLE: t('MES 的访问令牌已保存但现在打不开', 'The MES token is stored but cannot be opened now', '请工程师解锁密钥库', 'Ask an engineer to unlock the key store', { zh: '设置 WXPROV_KEY_PASSPHRASE 或 WXPROV_MES_TOKEN', en: 'Set WXPROV_KEY_PASSPHRASE or WXPROV_MES_TOKEN' }),
  // ── the station itself ───────────────────────────────────────────────────
  STORE_NEWER_SCHEMA: t('本机数据库由更新版本的程序写入（结构版本 {found}，本程序只认识到 {known}）', 'The station database was written by a newer version of this program (schema {found}; this one knows up to {known})', '请安装新版本后再打开；不要用旧版本打开新版本的数据目录', 'Install the newer version and open it with that; never open a newer data dir with an older version'),
  STORE_FAILED: t('本机数据库出错：{detail}', 'The station database failed: {detail}', '检查磁盘空间与数据目录的权限', 'Check disk space and the permissions of the data dir', { zh: '数据目录即 WXPROV_HOME（wxprov config 显示为 home）', en: 'The data dir is WXPROV_HOME (wxprov config shows it as home)' }),
  INTERNAL: t('内部错误：{detail}', 'Internal error: {detail}', '请把日志发给工程师', 'Send the log to an engineer'),
} as const satisfies Record<string, CodeText>;

export type ErrorCode = keyof typeof CODES;
