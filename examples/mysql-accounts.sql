-- The DB accounts of fixtures/default.json, for a real server the emulator is bound to.
-- dbadmin may see and kill every session (PROCESS, SUPER); app and report only their own.
CREATE USER IF NOT EXISTS 'dbadmin'@'%' IDENTIFIED BY 'Dbadmin#2026';
CREATE USER IF NOT EXISTS 'app'@'%' IDENTIFIED BY 'App#2026';
CREATE USER IF NOT EXISTS 'report'@'%' IDENTIFIED BY 'Report#2026';
GRANT PROCESS, SUPER ON *.* TO 'dbadmin'@'%';
