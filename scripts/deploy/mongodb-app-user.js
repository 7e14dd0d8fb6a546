// A mongosh script (connect, print, quit are mongosh globals), not a Node module.
/**
 * The application's MongoDB user, least privilege: readWrite on the application's database and
 * nothing else (no other database, no user or cluster administration). Run by the compose service
 * `mongodb-users` on every `docker compose up`, as root, before any app container starts:
 *
 *   mongosh --nodb --quiet --file mongodb-app-user.js
 *
 * Idempotent: creates the user, or sets its password and roles back to these (so a changed
 * MONGO_APP_PASSWORD in .env takes effect, and a role granted by hand is taken away again).
 * Credentials come from the environment only, never from the command line (`ps` would show them).
 *
 *   MONGO_HOST (default mongodb:27017), MONGO_ROOT_USERNAME, MONGO_ROOT_PASSWORD,
 *   MONGO_APP_USERNAME, MONGO_APP_PASSWORD, MONGO_APP_DATABASE (default academic_assist)
 */
const env = process.env;

function required(name) {
  const value = env[name];
  if (!value) {
    print(`mongodb-app-user: ${name} is not set`);
    quit(2);
  }
  return value;
}

const host = env.MONGO_HOST || "mongodb:27017";
const database = env.MONGO_APP_DATABASE || "academic_assist";
const rootUser = required("MONGO_ROOT_USERNAME");
const appUser = required("MONGO_APP_USERNAME");
const appPassword = required("MONGO_APP_PASSWORD");
if (appPassword === env.MONGO_ROOT_PASSWORD) {
  print("mongodb-app-user: MONGO_APP_PASSWORD must differ from MONGO_ROOT_PASSWORD");
  quit(2);
}

const admin = connect(`mongodb://${host}/admin`);
admin.auth(rootUser, required("MONGO_ROOT_PASSWORD"));

const appDb = admin.getSiblingDB(database);
const roles = [{ role: "readWrite", db: database }];
if (appDb.getUser(appUser)) {
  appDb.updateUser(appUser, { pwd: appPassword, roles });
  print(`mongodb-app-user: ${appUser}@${database} updated (readWrite on ${database} only)`);
} else {
  appDb.createUser({ user: appUser, pwd: appPassword, roles });
  print(`mongodb-app-user: ${appUser}@${database} created (readWrite on ${database} only)`);
}
